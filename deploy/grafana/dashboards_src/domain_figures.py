"""The domains dashboard's figures: the domain in numbers, the latest figure of each
chosen series and whether it came in on time, the series over time, and the targets
set on the chosen indicators.
"""

# ruff: noqa: S608 - SQL text written into Grafana's JSON, composed only from constants of
# this package; nothing here runs a query. tests/dashboards/ runs every one.

from __future__ import annotations

from grafana_foundation_sdk.builders import stat, table, timeseries
from grafana_foundation_sdk.models.common import BigValueColorMode

from . import board
from .columns import VIETNAM_DATE_TIME, Column, Link, hidden
from .datasources import sql_series
from .panels import counts, figures_over_time, rows_table
from .rollups import rolled_up
from .target_panels import TARGET_PAGE
from .value_labels import (
    ALERT_STATES,
    BLUE,
    CADENCES,
    GREY,
    NEEDS_ATTENTION,
    ORANGE,
    RED,
    REPORTING,
    UNITS,
    coloured,
    risk_status,
    sql_list,
    worded,
)

DOMAIN = "${domain:sqlstring}"
INDICATORS = board.selected("indicator")
SCOPES = board.selected("scope")
# A series is late when its newest figure is older than one reporting period at the
# end of the range being viewed (the same rule as the alert service's "stale").
REPORTING_STATE = (
    "CASE WHEN observed_at < $__timeTo()::timestamptz - cadence_period "
    "THEN 'overdue' ELSE 'on_time' END"
)
SAME_SERIES = Link(
    "Chỉ xem chuỗi này",
    board.url(
        board.DOMAINS,
        "var-domain=${domain}",
        "var-indicator=${__data.fields.indicator}",
        "var-scope=${__data.fields.scope}",
    ),
)


def domain_summary() -> stat.Panel:
    sql = f"""
        SELECT
            (SELECT count(*) FROM ioc.indicators WHERE domain = {DOMAIN}) AS "Chỉ số",
            (SELECT count(*) FROM ioc.series_overview WHERE domain = {DOMAIN}) AS "Chuỗi có số liệu",
            (SELECT count(*) FROM ioc.series_overview
                WHERE domain = {DOMAIN} AND {REPORTING_STATE} = 'overdue') AS "Chuỗi chậm báo cáo",
            (SELECT count(*) FROM ioc.target_overview WHERE domain = {DOMAIN}) AS "Chỉ tiêu",
            (SELECT count(*) FROM ioc.target_overview
                WHERE domain = {DOMAIN} AND status IN {sql_list(NEEDS_ATTENTION)}) AS "Chỉ tiêu cần chú ý"
    """
    return counts(
        1,
        "Tổng quan lĩnh vực",
        "Cả lĩnh vực, không phụ thuộc chỉ số đã chọn. Chậm báo cáo: số liệu mới nhất cũ hơn "
        "một kỳ báo cáo tính đến cuối khoảng thời gian. Whole domain.",
        sql=sql,
        columns=[
            Column("Chỉ số", colour=BLUE),
            Column("Chuỗi có số liệu", colour=BLUE),
            Column("Chuỗi chậm báo cáo", colour=ORANGE),
            Column("Chỉ tiêu", colour=GREY),
            Column("Chỉ tiêu cần chú ý", colour=RED),
        ],
        height=4,
        span=24,
        color_mode=BigValueColorMode.VALUE,
    )


def latest_figures() -> table.Panel:
    sql = f"""
        SELECT
            indicator,
            scope,
            indicator_name_vi AS "Chỉ số",
            scope_name_vi AS "Phạm vi",
            value AS "Giá trị",
            unit AS "Đơn vị đo",
            observed_at AS "Số liệu lúc",
            cadence AS "Kỳ báo cáo",
            {REPORTING_STATE} AS "Báo cáo",
            publisher AS "Đơn vị gửi"
        FROM ioc.series_overview
        WHERE domain = {DOMAIN}
          AND indicator = ANY({INDICATORS})
          AND scope = ANY({SCOPES})
        ORDER BY indicator_name_vi, scope_name_vi
    """
    return rows_table(
        2,
        "Số liệu mới nhất",
        "Giá trị mới nhất của mỗi chuỗi (chỉ số × phạm vi). Latest figure of each series.",
        sql=sql,
        columns=[
            *hidden("indicator", "scope"),
            Column("Chỉ số", width=420, links=[SAME_SERIES]),
            Column("Phạm vi", width=220),
            Column("Giá trị", decimals=2),
            Column("Đơn vị đo", mappings=worded(UNITS)),
            Column("Số liệu lúc", unit=VIETNAM_DATE_TIME),
            Column("Kỳ báo cáo", mappings=worded(CADENCES)),
            Column("Báo cáo", mappings=coloured(REPORTING), cell="color-text"),
        ],
        height=9,
    )


def series() -> timeseries.Panel:
    sql = rolled_up(
        series="ioc.series_overview",
        where=[
            f"s.domain = {DOMAIN}",
            f"s.indicator = ANY({INDICATORS})",
            f"s.scope = ANY({SCOPES})",
        ],
    )
    return figures_over_time(
        3,
        "Diễn biến theo thời gian",
        "Mỗi đường là một chỉ số của một phạm vi, gộp theo khoảng thời gian như danh mục quy định "
        "(giá trị cuối, tổng hoặc trung bình). Series rolled up as the catalog says.",
        queries=[sql_series(sql)],
        height=10,
        legend=board.legend_with_latest(),
    )


def domain_targets() -> table.Panel:
    sql = f"""
        SELECT
            code,
            title_vi AS "Chỉ tiêu",
            scope_name_vi AS "Đơn vị",
            status AS "Tình trạng",
            current_value AS "Hiện tại",
            target_value AS "Mục tiêu",
            to_char(deadline, 'DD/MM/YYYY') AS "Hạn",
            alert_state AS "Cảnh báo"
        FROM ioc.target_overview
        WHERE domain = {DOMAIN} AND indicator = ANY({INDICATORS})
        ORDER BY status_rank, code
    """
    return rows_table(
        4,
        "Chỉ tiêu của lĩnh vực",
        "Chỉ tiêu đặt trên các chỉ số đã chọn. Targets on the chosen indicators.",
        sql=sql,
        columns=[
            *hidden("code"),
            Column("Chỉ tiêu", width=460, links=[TARGET_PAGE]),
            Column("Tình trạng", width=140, mappings=risk_status(), cell="color-background"),
            Column("Hiện tại", decimals=2),
            Column("Mục tiêu", decimals=2),
            Column("Cảnh báo", mappings=coloured(ALERT_STATES), cell="color-text"),
        ],
        height=8,
    )
