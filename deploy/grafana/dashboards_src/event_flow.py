"""The pipeline dashboard's row "Luồng sự kiện": events along the pipeline from
Prometheus, what is rejected and why, consumer lag, write and publish latency, and
figures stored with a quality flag.
"""

from __future__ import annotations

from grafana_foundation_sdk.builders import timeseries

from .datasources import RATE, prometheus_queries
from .panels import prometheus_graph

EVENTS_PER_SECOND = "suffix: sự kiện/s"


def events_per_second() -> timeseries.Panel:
    return prometheus_graph(
        6,
        "Sự kiện mỗi giây",
        "Ingest nhận, aggregator đọc từ Kafka, ghi vào TimescaleDB, bỏ qua vì trùng. Events per second.",
        unit=EVENTS_PER_SECOND,
        queries=prometheus_queries(
            (f'sum(rate(ioc_ingest_events_total{{outcome="accepted"}}[{RATE}]))', "Ingest nhận"),
            (f"sum(rate(ioc_aggregator_events_consumed_total[{RATE}]))", "Aggregator đọc"),
            (f"sum(rate(ioc_aggregator_observations_written_total[{RATE}]))", "Đã ghi"),
            (f"sum(rate(ioc_aggregator_duplicates_ignored_total[{RATE}]))", "Trùng, bỏ qua"),
        ),
    )


def rejects_by_reason() -> timeseries.Panel:
    return prometheus_graph(
        7,
        "Từ chối theo lý do",
        "Aggregator: vào DLQ theo mã lỗi. Ingest: sự kiện bị từ chối theo đơn vị gửi, "
        "yêu cầu lỗi theo mã HTTP. Rejections by reason.",
        unit=EVENTS_PER_SECOND,
        queries=prometheus_queries(
            (
                f"sum by (error_code) (rate(ioc_aggregator_dead_letters_total[{RATE}]))",
                "DLQ: {{error_code}}",
            ),
            (
                f'sum by (agency) (rate(ioc_ingest_events_total{{outcome="rejected"}}[{RATE}]))',
                "Ingest từ chối: {{agency}}",
            ),
            (
                f'sum by (status) (rate(ioc_ingest_requests_total{{status=~"4..|5.."}}[{RATE}]))',
                "HTTP {{status}}",
            ),
        ),
    )


def quality_flags() -> timeseries.Panel:
    return prometheus_graph(
        14,
        "Số liệu bị gắn cờ chất lượng",
        "Số liệu được lưu kèm cờ của một kiểm tra chất lượng, theo đơn vị gửi và loại kiểm tra; "
        "xem chi tiết ở bảng điều khiển Lĩnh vực. Flagged figures by agency and check.",
        unit=EVENTS_PER_SECOND,
        span=24,
        queries=prometheus_queries(
            (
                f"sum by (agency, check) (rate(ioc_aggregator_quality_flags_total[{RATE}]))",
                "{{agency}}: {{check}}",
            )
        ),
    )


def consumer_lag() -> timeseries.Panel:
    return prometheus_graph(
        8,
        "Độ trễ tiêu thụ (bản ghi)",
        "Số bản ghi aggregator còn chưa đọc, theo phân vùng; lag tăng mãi là aggregator không theo kịp. "
        "Consumer lag per partition.",
        unit="short",
        queries=prometheus_queries(
            (
                "sum by (topic, partition) (ioc_aggregator_consumer_lag)",
                "{{topic}} #{{partition}}",
            )
        ),
    )


def _write_quantile(quantile: float) -> tuple[str, str]:
    return (
        f"histogram_quantile({quantile:g}, sum by (le) (rate(ioc_aggregator_write_seconds_bucket[{RATE}])))",
        f"Ghi CSDL p{round(quantile * 100)}",
    )


def write_latency() -> timeseries.Panel:
    return prometheus_graph(
        9,
        "Thời gian ghi và gửi Kafka",
        "Aggregator ghi một lô vào TimescaleDB (p50, p95, p99); ingest chờ Kafka xác nhận (p95) và trả lời API (p95). "
        "Write and publish latency.",
        unit="s",
        queries=prometheus_queries(
            _write_quantile(0.5),
            _write_quantile(0.95),
            _write_quantile(0.99),
            (
                f"histogram_quantile(0.95, sum by (le) (rate(ioc_ingest_kafka_publish_seconds_bucket[{RATE}])))",
                "Kafka xác nhận p95",
            ),
            (
                f"sum(rate(ioc_aggregator_database_retries_total[{RATE}]))",
                "Ghi lại do CSDL lỗi (lần/s)",
            ),
            (
                "histogram_quantile(0.95, sum by (le) (rate("
                f'ioc_ingest_http_request_duration_seconds_bucket{{route=~"/v1/.*"}}[{RATE}])))',
                "API tiếp nhận p95",
            ),
        ),
    )
