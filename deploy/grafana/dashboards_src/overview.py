"""Tổng quan tỉnh Bình Dương — the province at a glance.

What the IOC's wall screen shows first: how many targets stand in each status, the
province's own targets against their goals, the headline figures of the 2023 report
and the alerts nobody has closed yet.
"""

# ruff: noqa: S608 - SQL text written into Grafana's JSON, composed only from constants of
# this package; nothing here runs a query. tests/test_dashboards.py runs every one.

from __future__ import annotations

from grafana_foundation_sdk.builders import common, dashboard, stat, table, timeseries
from grafana_foundation_sdk.models.common import (
    BigValueColorMode,
    BigValueGraphMode,
    BigValueTextMode,
    TableCellHeight,
)
from grafana_foundation_sdk.models.dashboard import Threshold, ThresholdsMode

from . import board
from .columns import VIETNAM_DATE_TIME, Column, hidden, with_columns
from .datasources import TIMESCALEDB, sql_series, sql_table
from .target_panels import TARGET_PAGE, status_counts
from .value_labels import (
    ALERT_STATES,
    BLUE,
    GREEN,
    ORANGE,
    RED,
    SEVERITIES,
    UNITS,
    coloured,
    risk_status,
    worded,
)

# The percentages the 2023 report leads with, province-wide (catalog codes).
HEADLINE_INDICATORS = (
    "dvc.paperless-rate",
    "dvc.online-full-rate",
    "dvc.ontime-rate",
    "da06.eid-activated-rate",
    "da06.cccd-issued-rate",
    "cds.department-monitoring-rate",
)
HEADLINES = "ARRAY[" + ", ".join(f"'{code}'" for code in HEADLINE_INDICATORS) + "]"
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
    panel = (
        stat.Panel()
        .id(3)
        .title("Cảnh báo đang mở")
        .description(
            "Cảnh báo chưa kết thúc, chia theo đã có lãnh đạo xác nhận hay chưa. Open alerts."
        )
        .datasource(TIMESCALEDB)
        .with_target(sql_table(sql))
        .height(5)
        .span(6)
        .unit("none")
        .decimals(0)
        .color_mode(BigValueColorMode.BACKGROUND)
        .graph_mode(BigValueGraphMode.NONE)
        .text_mode(BigValueTextMode.VALUE_AND_NAME)
        .reduce_options(common.ReduceDataOptions().calcs(["lastNotNull"]).values(False))
        .links([board.panel_link("Chỉ tiêu có nguy cơ", board.url(board.TARGETS))])
    )
    return with_columns(
        panel, [Column("Chưa xác nhận", colour=RED), Column("Đã xác nhận", colour=ORANGE)]
    )


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
    columns = [
        *hidden("code"),
        Column("Chỉ tiêu", width=420, links=[TARGET_PAGE]),
        Column("Hiện tại", decimals=2),
        Column("Mục tiêu", decimals=2),
        Column("Đơn vị đo", mappings=worded(UNITS)),
        Column(
            "Tiến độ",
            unit="percent",
            decimals=0,
            minimum=0,
            maximum=100,
            cell="gauge",
            thresholds=[(None, RED), (60, ORANGE), (95, GREEN)],
        ),
        Column("Tình trạng", width=140, mappings=risk_status(), cell="color-background"),
        Column("Số liệu lúc", unit=VIETNAM_DATE_TIME),
    ]
    panel = (
        table.Panel()
        .id(5)
        .title("Chỉ tiêu của tỉnh so với mục tiêu")
        .description(
            "Tiến độ = giá trị hiện tại so với mục tiêu (với thứ hạng: mục tiêu so với hạng hiện tại). "
            "Province-wide targets; progress is current against goal."
        )
        .datasource(TIMESCALEDB)
        .with_target(sql_table(sql))
        .height(9)
        .span(24)
        .cell_height(TableCellHeight.SM)
    )
    return with_columns(panel, columns)


def headline_figures() -> stat.Panel:
    sql = f"""
        SELECT indicator_name_vi AS "Chỉ số", value AS "Giá trị"
        FROM ioc.series_overview
        WHERE scope = 'province' AND indicator = ANY({HEADLINES})
        ORDER BY array_position({HEADLINES}, indicator)
    """
    return (
        stat.Panel()
        .id(7)
        .title("Số liệu mới nhất")
        .description(
            "Giá trị mới nhất toàn tỉnh của các chỉ số trọng điểm. Latest headline figures."
        )
        .datasource(TIMESCALEDB)
        .with_target(sql_table(sql))
        .height(8)
        .span(10)
        .unit("percent")
        .decimals(1)
        .min(0)
        .max(100)
        # These figures have no common good or bad level; their targets carry that.
        .thresholds(
            dashboard.ThresholdsConfig()
            .mode(ThresholdsMode.ABSOLUTE)
            .steps([Threshold(value=None, color=BLUE)])
        )
        .color_mode(BigValueColorMode.VALUE)
        .graph_mode(BigValueGraphMode.NONE)
        .text_mode(BigValueTextMode.VALUE_AND_NAME)
        # One value per row, named by the row's text column (the indicator).
        .reduce_options(common.ReduceDataOptions().values(True).calcs([]).fields("/^Giá trị$/"))
    )


def headline_trends() -> timeseries.Panel:
    sql = f"""
        SELECT
            r.bucket AS "time",
            s.indicator_name_vi AS metric,
            r.last_value AS value
        FROM ioc.series_overview s
        CROSS JOIN LATERAL ioc.series_rollup(
            s.indicator, s.scope, '$__interval'::interval, $__timeFrom()::timestamptz, $__timeTo()::timestamptz
        ) r
        WHERE s.scope = 'province' AND s.indicator = ANY({HEADLINES})
        ORDER BY 1
    """
    return (
        timeseries.Panel()
        .id(8)
        .title("Diễn biến chỉ số trọng điểm")
        .description("Giá trị cuối mỗi khoảng, toàn tỉnh. Headline figures over time (province).")
        .datasource(TIMESCALEDB)
        .with_target(sql_series(sql))
        .height(8)
        .span(14)
        .unit("percent")
        .min(0)
        .max(100)
        .span_nulls(True)
        .legend(board.legend_below())
        .tooltip(board.every_series())
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
    columns = [
        *hidden("code"),
        Column("Chỉ tiêu", width=420, links=[TARGET_PAGE]),
        Column("Tình trạng", mappings=risk_status(), cell="color-background"),
        Column("Mức độ", mappings=coloured(SEVERITIES), cell="color-text"),
        Column("Cảnh báo", mappings=coloured(ALERT_STATES), cell="color-text"),
        Column("Từ lúc", unit=VIETNAM_DATE_TIME),
        Column("Xác nhận lúc", unit=VIETNAM_DATE_TIME),
    ]
    panel = (
        table.Panel()
        .id(10)
        .title("Chỉ tiêu đang có cảnh báo")
        .description("Mỗi chỉ tiêu có tối đa một cảnh báo mở. One open alert per target at most.")
        .datasource(TIMESCALEDB)
        .with_target(sql_table(sql))
        .height(8)
        .span(24)
        .cell_height(TableCellHeight.SM)
    )
    return with_columns(panel, columns)
