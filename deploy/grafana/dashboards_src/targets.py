"""Chỉ tiêu có nguy cơ — targets at risk.

Where an alert's "Biểu đồ" link lands: `/d/ioc-targets/?var-target=<code>` shows that
target's status and the figures behind it (required against observed pace, projection
at the deadline, the date the current pace reaches the goal), its series against the
goal, and its alerts with who acknowledged them and whom the service notified (those
two panels are in target_alerts.py).
"""

# ruff: noqa: S608 - SQL text written into Grafana's JSON, composed only from constants of
# this package; nothing here runs a query. tests/dashboards/ runs every one.

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard, table, timeseries
from grafana_foundation_sdk.models.common import VisibilityMode
from grafana_foundation_sdk.models.dashboard import DynamicConfigValue

from . import board
from .columns import VIETNAM_DATE_TIME, Column, hidden
from .datasources import sql_series
from .panels import figures_over_time, rows_table
from .rollups import rolled_up
from .target_alerts import ALERT_PAGE, TARGET, alerts_table, notifications_table
from .target_panels import SERIES_PAGE, TARGET_PAGE, status_counts
from .value_labels import ALERT_STATES, GREEN, ORANGE, RED, UNITS, coloured, risk_status, worded

PER_MONTH = f"{board.DAYS_PER_MONTH:.4f}"


def build() -> dashboard.Dashboard:
    return (
        board.new(
            board.TARGETS,
            "Chỉ tiêu có nguy cơ",
            description=(
                "Tình trạng từng chỉ tiêu, tốc độ cần so với tốc độ thực tế, dự báo và cảnh báo. "
                "Targets at risk: status, pace, projection, alerts."
            ),
            tags=["chi-tieu", "canh-bao"],
            since="now-5y",
        )
        .refresh("5m")
        .with_variable(
            board.sql_variable(
                "target",
                "Chỉ tiêu",
                "SELECT code AS __value, title_vi AS __text FROM ioc.targets ORDER BY code",
                multi=True,
            )
        )
        .with_panel(
            status_counts(1, "Tình trạng các chỉ tiêu đã chọn", where=f"code = ANY({TARGET})")
        )
        .with_panel(targets_table())
        .with_panel(series_against_target())
        .with_row(board.row("Cảnh báo và thông báo", 4))
        .with_panel(alerts_table())
        .with_panel(notifications_table())
    )


def targets_table() -> table.Panel:
    sql = f"""
        SELECT
            code,
            indicator,
            domain,
            scope,
            title_vi AS "Chỉ tiêu",
            scope_name_vi AS "Đơn vị",
            status AS "Tình trạng",
            current_value AS "Hiện tại",
            target_value AS "Mục tiêu",
            unit AS "Đơn vị đo",
            to_char(deadline, 'DD/MM/YYYY') AS "Hạn",
            required_rate * {PER_MONTH} AS "Tốc độ cần (/tháng)",
            observed_rate * {PER_MONTH} AS "Tốc độ thực tế (/tháng)",
            projected_value AS "Dự báo đến hạn",
            to_char(eta, 'DD/MM/YYYY') AS "Dự kiến đạt",
            alert_state AS "Cảnh báo",
            acknowledged_by_name AS "Người xác nhận",
            acknowledged_at AS "Xác nhận lúc",
            reason_vi AS "Nhận định",
            evaluated_at AS "Đánh giá lúc"
        FROM ioc.target_overview
        WHERE code = ANY({TARGET})
        ORDER BY status_rank,
            CASE severity WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END,
            code
    """
    columns = [
        *hidden("code", "indicator", "domain", "scope"),
        Column("Chỉ tiêu", width=340, links=[TARGET_PAGE, SERIES_PAGE]),
        Column("Đơn vị", width=180),
        Column("Tình trạng", width=140, mappings=risk_status(), cell="color-background"),
        Column("Hiện tại", decimals=2),
        Column("Mục tiêu", decimals=2),
        Column("Đơn vị đo", mappings=worded(UNITS)),
        Column("Tốc độ cần (/tháng)", decimals=2),
        Column("Tốc độ thực tế (/tháng)", decimals=2),
        Column("Dự báo đến hạn", decimals=2),
        Column("Cảnh báo", mappings=coloured(ALERT_STATES), cell="color-text", links=[ALERT_PAGE]),
        Column("Xác nhận lúc", unit=VIETNAM_DATE_TIME),
        Column("Đánh giá lúc", unit=VIETNAM_DATE_TIME),
        Column("Nhận định", width=420),
    ]
    return rows_table(
        2,
        "Chỉ tiêu có nguy cơ",
        "Xấu nhất trước. Tốc độ tính theo tháng (đơn vị của chỉ số/tháng); dự báo là giá trị "
        "đạt được vào hạn nếu giữ tốc độ hiện tại. Worst first; paces per month.",
        sql=sql,
        columns=columns,
        height=12,
    ).show_header(True)


def series_against_target() -> timeseries.Panel:
    series = rolled_up(
        series="series",
        with_query=f"""
            WITH series AS (
                SELECT DISTINCT indicator, scope, rollup, indicator_name_vi, scope_name_vi
                FROM ioc.target_overview
                WHERE code = ANY({TARGET})
            )
        """,
    )
    # Each line is two points: the goal across the range; from the latest figure to the
    # goal at the deadline (the pace needed); from the latest figure to the projection.
    lines = f"""
        SELECT l.at AS "time", l.metric, l.value
        FROM ioc.target_overview t
        CROSS JOIN LATERAL (
            SELECT ((t.deadline + 1)::timestamp AT TIME ZONE '{board.TIMEZONE}') AS due
        ) d
        CROSS JOIN LATERAL (
            VALUES
                ($__timeFrom()::timestamptz, 'Mục tiêu — ' || t.code, t.target_value),
                ($__timeTo()::timestamptz, 'Mục tiêu — ' || t.code, t.target_value),
                (t.current_at, 'Lộ trình cần thiết — ' || t.code,
                    CASE WHEN t.required_rate IS NOT NULL THEN t.current_value END),
                (d.due, 'Lộ trình cần thiết — ' || t.code,
                    CASE WHEN t.required_rate IS NOT NULL THEN t.target_value END),
                (t.current_at, 'Dự báo — ' || t.code,
                    CASE WHEN t.projected_value IS NOT NULL THEN t.current_value END),
                (d.due, 'Dự báo — ' || t.code, t.projected_value)
        ) AS l(at, metric, value)
        WHERE t.code = ANY({TARGET}) AND t.target_value IS NOT NULL
          AND l.at IS NOT NULL AND l.value IS NOT NULL
        ORDER BY 1
    """
    return (
        figures_over_time(
            3,
            "Số liệu so với mục tiêu",
            "Chọn một chỉ tiêu ở biến “Chỉ tiêu”. Nét liền: số liệu; gạch: mục tiêu và lộ trình "
            "cần thiết; chấm: dự báo theo tốc độ hiện tại. Series against goal, required path, projection.",
            queries=[sql_series(series, ref_id="A"), sql_series(lines, ref_id="B")],
            height=11,
            legend=board.legend_below(),
        )
        .show_points(VisibilityMode.ALWAYS)
        .point_size(5)
        .line_width(2)
        .override_by_regexp("^Mục tiêu — ", line(colour=GREEN, dash=[10, 6]))
        .override_by_regexp("^Lộ trình cần thiết — ", line(colour=ORANGE, dash=[10, 6]))
        .override_by_regexp("^Dự báo — ", line(colour=RED, dash=[2, 6]))
    )


def line(*, colour: str, dash: list[int]) -> list[DynamicConfigValue]:
    """How a drawn line (goal, required path, projection) looks beside the figures."""
    return [
        DynamicConfigValue(id_val="color", value={"mode": "fixed", "fixedColor": colour}),
        DynamicConfigValue(id_val="custom.lineStyle", value={"fill": "dash", "dash": dash}),
        DynamicConfigValue(id_val="custom.showPoints", value="never"),
    ]
