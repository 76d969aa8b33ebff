"""The pipeline dashboard's row "Thông báo": delivery failures and latency per channel
from Prometheus, and the last failed attempts with their error from the database.
"""

from __future__ import annotations

from grafana_foundation_sdk.builders import table, timeseries

from .columns import VIETNAM_DATE_TIME, Column
from .datasources import RATE, prometheus_queries
from .panels import prometheus_graph, rows_table
from .value_labels import DELIVERY_OUTCOMES, coloured


def notification_failures() -> timeseries.Panel:
    return prometheus_graph(
        11,
        "Gửi thông báo không thành công",
        "Lần gửi lỗi theo kênh và loại lỗi (retryable: sẽ gửi lại; permanent: không gửi lại). "
        "Failed delivery attempts.",
        unit="suffix: lần/s",
        queries=prometheus_queries(
            (
                f'sum by (channel, outcome) (rate(ioc_alerts_notifications_total{{outcome!="sent"}}[{RATE}]))',
                "{{channel}}: {{outcome}}",
            )
        ),
    )


def delivery_latency() -> timeseries.Panel:
    return prometheus_graph(
        12,
        "Thời gian một lần gửi",
        "p95 theo kênh. Delivery attempt latency (p95) per channel.",
        unit="s",
        queries=prometheus_queries(
            (
                f"histogram_quantile(0.95, sum by (le, channel) (rate(ioc_alerts_delivery_seconds_bucket[{RATE}])))",
                "{{channel}} p95",
            )
        ),
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
    return rows_table(
        13,
        "Lần gửi thất bại gần đây",
        "Từ CSDL: mỗi lần gửi không thành công và lỗi nhận được. Failed attempts from the database.",
        sql=sql,
        columns=[
            Column("Lúc", unit=VIETNAM_DATE_TIME),
            Column("Kết quả", mappings=coloured(DELIVERY_OUTCOMES), cell="color-text"),
            Column("Chỉ tiêu", width=320),
            Column("Lỗi", width=420),
        ],
        height=9,
    )
