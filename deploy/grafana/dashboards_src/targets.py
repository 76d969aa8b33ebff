"""Chỉ tiêu có nguy cơ — targets at risk.

Where an alert's "Biểu đồ" link lands: `/d/ioc-targets/?var-target=<code>` shows that
target's status and the figures behind it (required against observed pace, projection
at the deadline, the date the current pace reaches the goal), its series against the
goal, and its alerts with who acknowledged them and whom the service notified.
"""

# ruff: noqa: S608 - SQL text written into Grafana's JSON, composed only from constants of
# this package; nothing here runs a query. tests/test_dashboards.py runs every one.

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard, table, timeseries
from grafana_foundation_sdk.models.common import (
    TableCellHeight,
    VisibilityMode,
)
from grafana_foundation_sdk.models.dashboard import DynamicConfigValue

from . import board
from .columns import VIETNAM_DATE_TIME, Column, Link, hidden, with_columns
from .datasources import TIMESCALEDB, sql_series, sql_table
from .target_panels import SERIES_PAGE, TARGET_PAGE, status_counts
from .value_labels import (
    ALERT_STATES,
    GREEN,
    NOTIFICATION_KINDS,
    NOTIFICATION_STATUSES,
    ORANGE,
    RED,
    SEVERITIES,
    UNITS,
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
    panel = (
        table.Panel()
        .id(2)
        .title("Chỉ tiêu có nguy cơ")
        .description(
            "Xấu nhất trước. Tốc độ tính theo tháng (đơn vị của chỉ số/tháng); dự báo là giá trị "
            "đạt được vào hạn nếu giữ tốc độ hiện tại. Worst first; paces per month."
        )
        .datasource(TIMESCALEDB)
        .with_target(sql_table(sql))
        .height(12)
        .span(24)
        .cell_height(TableCellHeight.SM)
        .show_header(True)
    )
    return with_columns(panel, columns)


def series_against_target() -> timeseries.Panel:
    series = f"""
        WITH series AS (
            SELECT DISTINCT indicator, scope, rollup, indicator_name_vi, scope_name_vi
            FROM ioc.target_overview
            WHERE code = ANY({TARGET})
        )
        SELECT
            r.bucket AS "time",
            s.indicator_name_vi || ' — ' || s.scope_name_vi AS metric,
            CASE s.rollup WHEN 'sum' THEN r.sum_value WHEN 'mean' THEN r.mean_value ELSE r.last_value END AS value
        FROM series s
        CROSS JOIN LATERAL ioc.series_rollup(
            s.indicator, s.scope, '$__interval'::interval, $__timeFrom()::timestamptz, $__timeTo()::timestamptz
        ) r
        ORDER BY 1
    """
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
        timeseries.Panel()
        .id(3)
        .title("Số liệu so với mục tiêu")
        .description(
            "Chọn một chỉ tiêu ở biến “Chỉ tiêu”. Nét liền: số liệu; gạch: mục tiêu và lộ trình "
            "cần thiết; chấm: dự báo theo tốc độ hiện tại. Series against goal, required path, projection."
        )
        .datasource(TIMESCALEDB)
        .with_target(sql_series(series, ref_id="A"))
        .with_target(sql_series(lines, ref_id="B"))
        .height(11)
        .span(24)
        .span_nulls(True)
        .show_points(VisibilityMode.ALWAYS)
        .point_size(5)
        .line_width(2)
        .legend(board.legend_below())
        .tooltip(board.every_series())
        .override_by_regexp("^Mục tiêu — ", line(colour=GREEN, dash=[10, 6]))
        .override_by_regexp("^Lộ trình cần thiết — ", line(colour=ORANGE, dash=[10, 6]))
        .override_by_regexp("^Dự báo — ", line(colour=RED, dash=[2, 6]))
    )


def line(*, colour: str, dash: list[int]) -> list[DynamicConfigValue]:
    return [
        DynamicConfigValue(id_val="color", value={"mode": "fixed", "fixedColor": colour}),
        DynamicConfigValue(id_val="custom.lineStyle", value={"fill": "dash", "dash": dash}),
        DynamicConfigValue(id_val="custom.showPoints", value="never"),
    ]


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
    columns = [
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
    ]
    panel = (
        table.Panel()
        .id(ALERTS_PANEL)
        .title("Cảnh báo")
        .description(
            "Cảnh báo đang mở và cảnh báo bắt đầu trong khoảng thời gian đang xem; ai đã xác nhận. "
            "Open alerts and alerts opened in the range; who acknowledged."
        )
        .datasource(TIMESCALEDB)
        .with_target(sql_table(sql))
        .height(8)
        .span(24)
        .cell_height(TableCellHeight.SM)
    )
    return with_columns(panel, columns)


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
    columns = [
        Column("Lúc", unit=VIETNAM_DATE_TIME),
        Column("Chỉ tiêu", width=300),
        Column("Loại", mappings=worded(NOTIFICATION_KINDS)),
        Column("Kết quả", mappings=coloured(NOTIFICATION_STATUSES), cell="color-text"),
        Column("Gửi được lúc", unit=VIETNAM_DATE_TIME),
    ]
    panel = (
        table.Panel()
        .id(6)
        .title("Thông báo đã gửi")
        .description("Ai được báo, qua kênh nào, gửi được hay chưa. Notifications of these alerts.")
        .datasource(TIMESCALEDB)
        .with_target(sql_table(sql))
        .height(8)
        .span(24)
        .cell_height(TableCellHeight.SM)
    )
    return with_columns(panel, columns)
