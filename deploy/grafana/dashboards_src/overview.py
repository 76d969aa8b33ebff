"""Tổng quan tỉnh Bình Dương — the province at a glance.

What the IOC's wall screen shows first: how many targets stand in each status, the
province's own targets against their goals, the headline figures of the 2023 report
(headline_figures.py) and the alerts nobody has closed yet.
"""

# ruff: noqa: S608 - SQL text written into Grafana's JSON, composed only from constants of
# this package; nothing here runs a query. tests/dashboards/ runs every one.

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard, stat, table

from . import board
from .columns import VIETNAM_DATE_TIME, Column, hidden, percent_gauge
from .headline_figures import headline_figures, headline_trends
from .panels import counts, rows_table
from .target_panels import TARGET_PAGE, status_counts
from .value_labels import (
    ALERT_STATES,
    GREEN,
    ORANGE,
    RED,
    SEVERITIES,
    UNITS,
    coloured,
    risk_status,
    worded,
)

# Progress toward the goal in %: current/goal when higher is better, goal/current for
# ranks and other lower-is-better figures; capped at 100 once the goal is reached.
PROGRESS = """
    CASE
        WHEN current_value IS NULL OR target_value IS NULL THEN NULL
        WHEN direction = 'higher_is_better' THEN least(100, 100 * current_value / NULLIF(target_value, 0))
        ELSE least(100, 100 * target_value / NULLIF(current_value, 0))
    END"""


def build() -> dashboard.Dashboard:
    return (
        board.new(
            board.OVERVIEW,
            "Tổng quan tỉnh Bình Dương",
            description=(
                "Chỉ tiêu của tỉnh so với mục tiêu, tình trạng và cảnh báo. "
                "Province overview: targets, headline indicators, open alerts."
            ),
            tags=["tong-quan"],
            since="now-5y",
        )
        .refresh("5m")
        .with_row(board.row("Tình trạng chỉ tiêu", 1))
        .with_panel(status_counts(2, "Tình trạng tất cả chỉ tiêu", where="true", span=18))
        .with_panel(open_alert_counts())
        .with_row(board.row("Chỉ tiêu của tỉnh", 4))
        .with_panel(province_targets())
        .with_row(board.row("Chỉ số trọng điểm", 6))
        .with_panel(headline_figures())
        .with_panel(headline_trends())
        .with_row(board.row("Cảnh báo", 9))
        .with_panel(open_alerts())
    )


def open_alert_counts() -> stat.Panel:
    sql = """
        SELECT
            count(*) FILTER (WHERE state = 'firing') AS "Chưa xác nhận",
            count(*) FILTER (WHERE state = 'acknowledged') AS "Đã xác nhận"
        FROM ioc.alerts
        WHERE state <> 'resolved'
    """
    return counts(
        3,
        "Cảnh báo đang mở",
        "Cảnh báo chưa kết thúc, chia theo đã có lãnh đạo xác nhận hay chưa. Open alerts.",
        sql=sql,
        columns=[Column("Chưa xác nhận", colour=RED), Column("Đã xác nhận", colour=ORANGE)],
        height=5,
        span=6,
    ).links([board.panel_link("Chỉ tiêu có nguy cơ", board.url(board.TARGETS))])


def province_targets() -> table.Panel:
    sql = f"""
        SELECT
            code,
            title_vi AS "Chỉ tiêu",
            current_value AS "Hiện tại",
            target_value AS "Mục tiêu",
            unit AS "Đơn vị đo",
            {PROGRESS.strip()} AS "Tiến độ",
            to_char(deadline, 'DD/MM/YYYY') AS "Hạn",
            status AS "Tình trạng",
            current_at AS "Số liệu lúc"
        FROM ioc.target_overview
        WHERE scope = 'province' AND kind <> 'freshness'
        ORDER BY status_rank, code
    """
    return rows_table(
        5,
        "Chỉ tiêu của tỉnh so với mục tiêu",
        "Tiến độ = giá trị hiện tại so với mục tiêu (với thứ hạng: mục tiêu so với hạng hiện tại). "
        "Province-wide targets; progress is current against goal.",
        sql=sql,
        columns=[
            *hidden("code"),
            Column("Chỉ tiêu", width=420, links=[TARGET_PAGE]),
            Column("Hiện tại", decimals=2),
            Column("Mục tiêu", decimals=2),
            Column("Đơn vị đo", mappings=worded(UNITS)),
            percent_gauge("Tiến độ", [(None, RED), (60, ORANGE), (95, GREEN)], decimals=0),
            Column("Tình trạng", width=140, mappings=risk_status(), cell="color-background"),
            Column("Số liệu lúc", unit=VIETNAM_DATE_TIME),
        ],
        height=9,
    )


def open_alerts() -> table.Panel:
    sql = """
        SELECT
            code,
            title_vi AS "Chỉ tiêu",
            scope_name_vi AS "Đơn vị",
            status AS "Tình trạng",
            severity AS "Mức độ",
            alert_state AS "Cảnh báo",
            alert_opened_at AS "Từ lúc",
            escalation_level AS "Cấp chuyển",
            acknowledged_by_name AS "Người xác nhận",
            acknowledged_at AS "Xác nhận lúc"
        FROM ioc.target_overview
        WHERE alert_id IS NOT NULL
        ORDER BY status_rank, alert_opened_at
    """
    return rows_table(
        10,
        "Chỉ tiêu đang có cảnh báo",
        "Mỗi chỉ tiêu có tối đa một cảnh báo mở. One open alert per target at most.",
        sql=sql,
        columns=[
            *hidden("code"),
            Column("Chỉ tiêu", width=420, links=[TARGET_PAGE]),
            Column("Tình trạng", mappings=risk_status(), cell="color-background"),
            Column("Mức độ", mappings=coloured(SEVERITIES), cell="color-text"),
            Column("Cảnh báo", mappings=coloured(ALERT_STATES), cell="color-text"),
            Column("Từ lúc", unit=VIETNAM_DATE_TIME),
            Column("Xác nhận lúc", unit=VIETNAM_DATE_TIME),
        ],
        height=8,
    )
