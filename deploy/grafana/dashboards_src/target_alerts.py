"""The targets dashboard's row "Cảnh báo và thông báo": the chosen targets' alerts with
who acknowledged them, and the notifications the service sent about them.
"""

# ruff: noqa: S608 - SQL text written into Grafana's JSON, composed only from constants of
# this package; nothing here runs a query. tests/dashboards/ runs every one.

from __future__ import annotations

from grafana_foundation_sdk.builders import table

from . import board
from .columns import VIETNAM_DATE_TIME, Column, Link, hidden
from .panels import rows_table
from .target_panels import TARGET_PAGE
from .value_labels import (
    ALERT_STATES,
    NOTIFICATION_KINDS,
    NOTIFICATION_STATUSES,
    SEVERITIES,
    coloured,
    risk_status,
    worded,
)

TARGET = board.selected("target")
ALERTS_PANEL = 5
ALERT_PAGE = Link(
    "Cảnh báo của chỉ tiêu",
    board.url(board.TARGETS, "var-target=${__data.fields.code}", f"viewPanel=panel-{ALERTS_PANEL}"),
)


def alerts_table() -> table.Panel:
    sql = f"""
        SELECT
            al.id AS alert_id,
            t.code,
            t.title_vi AS "Chỉ tiêu",
            al.state AS "Trạng thái",
            al.risk_status AS "Tình trạng",
            al.severity AS "Mức độ",
            al.current_value AS "Giá trị",
            al.opened_at AS "Bắt đầu",
            al.escalation_level AS "Cấp chuyển",
            al.last_notified_at AS "Thông báo gần nhất",
            COALESCE(r.name, al.acknowledged_by) AS "Người xác nhận",
            al.acknowledged_at AS "Xác nhận lúc",
            al.resolved_at AS "Kết thúc"
        FROM ioc.alerts al
        JOIN ioc.targets t ON t.code = al.target
        LEFT JOIN ioc.recipients r ON r.id = al.acknowledged_by
        WHERE al.target = ANY({TARGET})
          AND (al.state <> 'resolved' OR $__timeFilter(al.opened_at))
        ORDER BY al.state = 'resolved', al.opened_at DESC
        LIMIT 500
    """
    return rows_table(
        ALERTS_PANEL,
        "Cảnh báo",
        "Cảnh báo đang mở và cảnh báo bắt đầu trong khoảng thời gian đang xem; ai đã xác nhận. "
        "Open alerts and alerts opened in the range; who acknowledged.",
        sql=sql,
        columns=[
            *hidden("alert_id", "code"),
            Column("Chỉ tiêu", width=340, links=[TARGET_PAGE]),
            Column("Trạng thái", mappings=coloured(ALERT_STATES), cell="color-background"),
            Column("Tình trạng", mappings=risk_status(), cell="color-text"),
            Column("Mức độ", mappings=coloured(SEVERITIES), cell="color-text"),
            Column("Giá trị", decimals=2),
            Column("Bắt đầu", unit=VIETNAM_DATE_TIME),
            Column("Thông báo gần nhất", unit=VIETNAM_DATE_TIME),
            Column("Xác nhận lúc", unit=VIETNAM_DATE_TIME),
            Column("Kết thúc", unit=VIETNAM_DATE_TIME),
        ],
        height=8,
    )


def notifications_table() -> table.Panel:
    sql = f"""
        SELECT
            n.created_at AS "Lúc",
            t.title_vi AS "Chỉ tiêu",
            n.kind AS "Loại",
            COALESCE(r.name || ' (' || r.role_vi || ')', 'Webhook') AS "Người nhận",
            n.channel AS "Kênh",
            n.status AS "Kết quả",
            n.attempts AS "Số lần gửi",
            n.sent_at AS "Gửi được lúc",
            last_try.error AS "Lỗi gần nhất"
        FROM ioc.notifications n
        JOIN ioc.alerts al ON al.id = n.alert_id
        JOIN ioc.targets t ON t.code = al.target
        LEFT JOIN ioc.recipients r ON r.id = n.recipient
        LEFT JOIN LATERAL (
            SELECT a.error FROM ioc.notification_attempts a
            WHERE a.notification_id = n.id
            ORDER BY a.attempt DESC
            LIMIT 1
        ) last_try ON true
        WHERE al.target = ANY({TARGET}) AND $__timeFilter(n.created_at)
        ORDER BY n.created_at DESC
        LIMIT 500
    """
    return rows_table(
        6,
        "Thông báo đã gửi",
        "Ai được báo, qua kênh nào, gửi được hay chưa. Notifications of these alerts.",
        sql=sql,
        columns=[
            Column("Lúc", unit=VIETNAM_DATE_TIME),
            Column("Chỉ tiêu", width=300),
            Column("Loại", mappings=worded(NOTIFICATION_KINDS)),
            Column("Kết quả", mappings=coloured(NOTIFICATION_STATUSES), cell="color-text"),
            Column("Gửi được lúc", unit=VIETNAM_DATE_TIME),
        ],
        height=8,
    )
