"""Sức khỏe hệ thống — the IOC monitor watching itself.

From Prometheus: whether the three services answer, events per second along the
pipeline, what is rejected and why (dead-letter queue), consumer lag, database write
and Kafka publish latency, and notifications that fail. From the database: the last
failed delivery attempts, with the error each one got.

The first row is here; the event flow and the notifications have their own modules.
"""

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard, stat
from grafana_foundation_sdk.models.common import BigValueGraphMode, BigValueTextMode
from grafana_foundation_sdk.models.dashboard import ValueMap, ValueMapping, ValueMappingResult

from . import board
from .datasources import prometheus_queries
from .event_flow import (
    consumer_lag,
    events_per_second,
    quality_flags,
    rejects_by_reason,
    write_latency,
)
from .notification_health import delivery_latency, failed_attempts, notification_failures
from .panels import prometheus_number
from .value_labels import GREEN, ORANGE, RED

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


def services_up() -> stat.Panel:
    return (
        prometheus_number(
            2,
            "Dịch vụ",
            "Prometheus lấy được số liệu của dịch vụ (up) và aggregator ghi được vào CSDL.",
            queries=prometheus_queries(
                ('up{job=~"ingest|aggregator|alerts"}', "{{job}}"),
                ("ioc_aggregator_database_up", "TimescaleDB"),
            ),
            steps=[(None, RED), (1, GREEN)],
            span=12,
        )
        .mappings(UP_DOWN)
        .graph_mode(BigValueGraphMode.NONE)
        .text_mode(BigValueTextMode.VALUE_AND_NAME)
    )


def dead_letters_in_range() -> stat.Panel:
    return (
        prometheus_number(
            3,
            "Vào hàng đợi lỗi (DLQ)",
            "Sự kiện aggregator đưa vào ioc.indicator-events.dlq trong khoảng thời gian; cần người "
            "đọc và gửi lại. Dead letters in the range.",
            queries=prometheus_queries(
                ("sum(increase(ioc_aggregator_dead_letters_total[$__range]))", "DLQ")
            ),
            steps=[(None, GREEN), (1, ORANGE)],
        )
        .unit("none")
        .decimals(0)
        .graph_mode(BigValueGraphMode.AREA)
    )


def pending_notifications() -> stat.Panel:
    return (
        prometheus_number(
            4,
            "Thông báo chờ gửi",
            "Thông báo đã quyết định nhưng chưa gửi được. Notifications not yet delivered.",
            queries=prometheus_queries(("sum(ioc_alerts_notifications_pending)", "Chờ gửi")),
            steps=[(None, GREEN), (1, ORANGE), (50, RED)],
        )
        .unit("none")
        .decimals(0)
        .graph_mode(BigValueGraphMode.AREA)
    )
