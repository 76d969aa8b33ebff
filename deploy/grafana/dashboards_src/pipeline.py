"""Sức khỏe hệ thống — the IOC monitor watching itself.

From Prometheus: whether the three services answer, events per second along the
pipeline, what is rejected and why (dead-letter queue), consumer lag, database write
and Kafka publish latency, and notifications that fail. From the database: the last
failed delivery attempts, with the error each one got.
"""

from __future__ import annotations

from grafana_foundation_sdk.builders import common, dashboard, stat, table, timeseries
from grafana_foundation_sdk.models.common import (
    BigValueColorMode,
    BigValueGraphMode,
    BigValueTextMode,
    TableCellHeight,
)
from grafana_foundation_sdk.models.dashboard import (
    Threshold,
    ThresholdsMode,
    ValueMap,
    ValueMapping,
    ValueMappingResult,
)

from . import board
from .columns import VIETNAM_DATE_TIME, Column, with_columns
from .datasources import PROMETHEUS, TIMESCALEDB, promql, sql_table
from .value_labels import DELIVERY_OUTCOMES, GREEN, ORANGE, RED, coloured

# Prometheus's own rate window for the dashboard's step (at least four scrapes).
RATE = "$__rate_interval"
EVENTS_PER_SECOND = "suffix: sự kiện/s"
UP_DOWN: list[ValueMapping] = [
    ValueMap(
        options={
            "0": ValueMappingResult(text="Ngừng", color=RED, index=0),
            "1": ValueMappingResult(text="Hoạt động", color=GREEN, index=1),
        }
    )
]


def build() -> dashboard.Dashboard:
    return (
        board.new(
            board.PIPELINE,
            "Sức khỏe hệ thống",
            description=(
                "Dịch vụ ingest, aggregator, alerts: lưu lượng, từ chối, DLQ, độ trễ, thông báo lỗi. "
                "Pipeline health from Prometheus."
            ),
            tags=["he-thong"],
            since="now-6h",
        )
        .refresh("30s")
        .with_row(board.row("Dịch vụ", 1))
        .with_panel(services_up())
        .with_panel(dead_letters_in_range())
        .with_panel(pending_notifications())
        .with_row(board.row("Luồng sự kiện", 5))
        .with_panel(events_per_second())
        .with_panel(rejects_by_reason())
        .with_panel(consumer_lag())
        .with_panel(write_latency())
        .with_panel(quality_flags())
        .with_row(board.row("Thông báo", 10))
        .with_panel(notification_failures())
        .with_panel(delivery_latency())
        .with_panel(failed_attempts())
    )


def graph(
    panel_id: int, title: str, description: str, *, unit: str, span: int = 12
) -> timeseries.Panel:
    return (
        timeseries.Panel()
        .id(panel_id)
        .title(title)
        .description(description)
        .datasource(PROMETHEUS)
        .height(8)
        .span(span)
        .unit(unit)
        .fill_opacity(10)
        .legend(board.legend_below())
        .tooltip(board.every_series())
    )


def services_up() -> stat.Panel:
    return (
        stat.Panel()
        .id(2)
        .title("Dịch vụ")
        .description(
            "Prometheus lấy được số liệu của dịch vụ (up) và aggregator ghi được vào CSDL."
        )
        .datasource(PROMETHEUS)
        .with_target(promql('up{job=~"ingest|aggregator|alerts"}', legend="{{job}}", ref_id="A"))
        .with_target(promql("ioc_aggregator_database_up", legend="TimescaleDB", ref_id="B"))
        .height(5)
        .span(12)
        .mappings(UP_DOWN)
        .thresholds(
            dashboard.ThresholdsConfig()
            .mode(ThresholdsMode.ABSOLUTE)
            .steps([Threshold(value=None, color=RED), Threshold(value=1, color=GREEN)])
        )
        .color_mode(BigValueColorMode.BACKGROUND)
        .graph_mode(BigValueGraphMode.NONE)
        .text_mode(BigValueTextMode.VALUE_AND_NAME)
        .reduce_options(common.ReduceDataOptions().calcs(["lastNotNull"]).values(False))
    )


def dead_letters_in_range() -> stat.Panel:
    return (
        stat.Panel()
        .id(3)
        .title("Vào hàng đợi lỗi (DLQ)")
        .description(
            "Sự kiện aggregator đưa vào ioc.indicator-events.dlq trong khoảng thời gian; cần người "
            "đọc và gửi lại. Dead letters in the range."
        )
        .datasource(PROMETHEUS)
        .with_target(
            promql("sum(increase(ioc_aggregator_dead_letters_total[$__range]))", legend="DLQ")
        )
        .height(5)
        .span(6)
        .unit("none")
        .decimals(0)
        .thresholds(
            dashboard.ThresholdsConfig()
            .mode(ThresholdsMode.ABSOLUTE)
            .steps([Threshold(value=None, color=GREEN), Threshold(value=1, color=ORANGE)])
        )
        .color_mode(BigValueColorMode.BACKGROUND)
        .graph_mode(BigValueGraphMode.AREA)
        .reduce_options(common.ReduceDataOptions().calcs(["lastNotNull"]).values(False))
    )


def pending_notifications() -> stat.Panel:
    return (
        stat.Panel()
        .id(4)
        .title("Thông báo chờ gửi")
        .description(
            "Thông báo đã quyết định nhưng chưa gửi được. Notifications not yet delivered."
        )
        .datasource(PROMETHEUS)
        .with_target(promql("sum(ioc_alerts_notifications_pending)", legend="Chờ gửi"))
        .height(5)
        .span(6)
        .unit("none")
        .decimals(0)
        .thresholds(
            dashboard.ThresholdsConfig()
            .mode(ThresholdsMode.ABSOLUTE)
            .steps(
                [
                    Threshold(value=None, color=GREEN),
                    Threshold(value=1, color=ORANGE),
                    Threshold(value=50, color=RED),
                ]
            )
        )
        .color_mode(BigValueColorMode.BACKGROUND)
        .graph_mode(BigValueGraphMode.AREA)
        .reduce_options(common.ReduceDataOptions().calcs(["lastNotNull"]).values(False))
    )


def events_per_second() -> timeseries.Panel:
    return (
        graph(
            6,
            "Sự kiện mỗi giây",
            "Ingest nhận, aggregator đọc từ Kafka, ghi vào TimescaleDB, bỏ qua vì trùng. Events per second.",
            unit=EVENTS_PER_SECOND,
        )
        .with_target(
            promql(
                f'sum(rate(ioc_ingest_events_total{{outcome="accepted"}}[{RATE}]))',
                legend="Ingest nhận",
                ref_id="A",
            )
        )
        .with_target(
            promql(
                f"sum(rate(ioc_aggregator_events_consumed_total[{RATE}]))",
                legend="Aggregator đọc",
                ref_id="B",
            )
        )
        .with_target(
            promql(
                f"sum(rate(ioc_aggregator_observations_written_total[{RATE}]))",
                legend="Đã ghi",
                ref_id="C",
            )
        )
        .with_target(
            promql(
                f"sum(rate(ioc_aggregator_duplicates_ignored_total[{RATE}]))",
                legend="Trùng, bỏ qua",
                ref_id="D",
            )
        )
    )


def rejects_by_reason() -> timeseries.Panel:
    return (
        graph(
            7,
            "Từ chối theo lý do",
            "Aggregator: vào DLQ theo mã lỗi. Ingest: sự kiện bị từ chối theo đơn vị gửi, "
            "yêu cầu lỗi theo mã HTTP. Rejections by reason.",
            unit=EVENTS_PER_SECOND,
        )
        .with_target(
            promql(
                f"sum by (error_code) (rate(ioc_aggregator_dead_letters_total[{RATE}]))",
                legend="DLQ: {{error_code}}",
                ref_id="A",
            )
        )
        .with_target(
            promql(
                f'sum by (agency) (rate(ioc_ingest_events_total{{outcome="rejected"}}[{RATE}]))',
                legend="Ingest từ chối: {{agency}}",
                ref_id="B",
            )
        )
        .with_target(
            promql(
                f'sum by (status) (rate(ioc_ingest_requests_total{{status=~"4..|5.."}}[{RATE}]))',
                legend="HTTP {{status}}",
                ref_id="C",
            )
        )
    )


def quality_flags() -> timeseries.Panel:
    return graph(
        14,
        "Số liệu bị gắn cờ chất lượng",
        "Số liệu được lưu kèm cờ của một kiểm tra chất lượng, theo đơn vị gửi và loại kiểm tra; "
        "xem chi tiết ở bảng điều khiển Lĩnh vực. Flagged figures by agency and check.",
        unit=EVENTS_PER_SECOND,
        span=24,
    ).with_target(
        promql(
            f"sum by (agency, check) (rate(ioc_aggregator_quality_flags_total[{RATE}]))",
            legend="{{agency}}: {{check}}",
        )
    )


def consumer_lag() -> timeseries.Panel:
    return graph(
        8,
        "Độ trễ tiêu thụ (bản ghi)",
        "Số bản ghi aggregator còn chưa đọc, theo phân vùng; lag tăng mãi là aggregator không theo kịp. "
        "Consumer lag per partition.",
        unit="short",
    ).with_target(
        promql(
            "sum by (topic, partition) (ioc_aggregator_consumer_lag)",
            legend="{{topic}} #{{partition}}",
        )
    )


def write_latency() -> timeseries.Panel:
    return (
        graph(
            9,
            "Thời gian ghi và gửi Kafka",
            "Aggregator ghi một lô vào TimescaleDB (p50, p95, p99); ingest chờ Kafka xác nhận (p95) và trả lời API (p95). "
            "Write and publish latency.",
            unit="s",
        )
        .with_target(
            promql(
                f"histogram_quantile(0.5, sum by (le) (rate(ioc_aggregator_write_seconds_bucket[{RATE}])))",
                legend="Ghi CSDL p50",
                ref_id="A",
            )
        )
        .with_target(
            promql(
                f"histogram_quantile(0.95, sum by (le) (rate(ioc_aggregator_write_seconds_bucket[{RATE}])))",
                legend="Ghi CSDL p95",
                ref_id="B",
            )
        )
        .with_target(
            promql(
                f"histogram_quantile(0.99, sum by (le) (rate(ioc_aggregator_write_seconds_bucket[{RATE}])))",
                legend="Ghi CSDL p99",
                ref_id="C",
            )
        )
        .with_target(
            promql(
                f"histogram_quantile(0.95, sum by (le) (rate(ioc_ingest_kafka_publish_seconds_bucket[{RATE}])))",
                legend="Kafka xác nhận p95",
                ref_id="D",
            )
        )
        .with_target(
            promql(
                f"sum(rate(ioc_aggregator_database_retries_total[{RATE}]))",
                legend="Ghi lại do CSDL lỗi (lần/s)",
                ref_id="E",
            )
        )
        .with_target(
            promql(
                "histogram_quantile(0.95, sum by (le) (rate("
                f'ioc_ingest_http_request_duration_seconds_bucket{{route=~"/v1/.*"}}[{RATE}])))',
                legend="API tiếp nhận p95",
                ref_id="F",
            )
        )
    )


def notification_failures() -> timeseries.Panel:
    return graph(
        11,
        "Gửi thông báo không thành công",
        "Lần gửi lỗi theo kênh và loại lỗi (retryable: sẽ gửi lại; permanent: không gửi lại). "
        "Failed delivery attempts.",
        unit="suffix: lần/s",
    ).with_target(
        promql(
            f'sum by (channel, outcome) (rate(ioc_alerts_notifications_total{{outcome!="sent"}}[{RATE}]))',
            legend="{{channel}}: {{outcome}}",
        )
    )


def delivery_latency() -> timeseries.Panel:
    return graph(
        12,
        "Thời gian một lần gửi",
        "p95 theo kênh. Delivery attempt latency (p95) per channel.",
        unit="s",
    ).with_target(
        promql(
            f"histogram_quantile(0.95, sum by (le, channel) (rate(ioc_alerts_delivery_seconds_bucket[{RATE}])))",
            legend="{{channel}} p95",
        )
    )


def failed_attempts() -> table.Panel:
    sql = """
        SELECT
            a.started_at AS "Lúc",
            n.channel AS "Kênh",
            COALESCE(r.name, 'Webhook') AS "Người nhận",
            t.title_vi AS "Chỉ tiêu",
            a.attempt AS "Lần",
            a.outcome AS "Kết quả",
            a.status_code AS "Mã lỗi",
            a.error AS "Lỗi"
        FROM ioc.notification_attempts a
        JOIN ioc.notifications n ON n.id = a.notification_id
        LEFT JOIN ioc.recipients r ON r.id = n.recipient
        LEFT JOIN ioc.alerts al ON al.id = n.alert_id
        LEFT JOIN ioc.targets t ON t.code = al.target
        WHERE a.outcome IS DISTINCT FROM 'sent' AND $__timeFilter(a.started_at)
        ORDER BY a.started_at DESC
        LIMIT 200
    """
    columns = [
        Column("Lúc", unit=VIETNAM_DATE_TIME),
        Column("Kết quả", mappings=coloured(DELIVERY_OUTCOMES), cell="color-text"),
        Column("Chỉ tiêu", width=320),
        Column("Lỗi", width=420),
    ]
    panel = (
        table.Panel()
        .id(13)
        .title("Lần gửi thất bại gần đây")
        .description(
            "Từ CSDL: mỗi lần gửi không thành công và lỗi nhận được. Failed attempts from the database."
        )
        .datasource(TIMESCALEDB)
        .with_target(sql_table(sql))
        .height(9)
        .span(24)
        .cell_height(TableCellHeight.SM)
    )
    return with_columns(panel, columns)
