"""The overview's row "Chỉ số trọng điểm": the percentages the 2023 report leads with,
province-wide, as their latest values and over time.
"""

# ruff: noqa: S608 - SQL text written into Grafana's JSON, composed only from constants of
# this package; nothing here runs a query. tests/dashboards/ runs every one.

from __future__ import annotations

from grafana_foundation_sdk.builders import stat, timeseries
from grafana_foundation_sdk.models.common import (
    BigValueColorMode,
    BigValueGraphMode,
    BigValueTextMode,
)

from . import board
from .datasources import sql_series
from .panels import figures_over_time, percent_per_row, percentages, sql_panel
from .rollups import rolled_up
from .value_labels import BLUE

# Catalog codes, in the report's order.
HEADLINE_INDICATORS = (
    "dvc.paperless-rate",
    "dvc.online-full-rate",
    "dvc.ontime-rate",
    "da06.eid-activated-rate",
    "da06.cccd-issued-rate",
    "cds.department-monitoring-rate",
)
HEADLINES = "ARRAY[" + ", ".join(f"'{code}'" for code in HEADLINE_INDICATORS) + "]"


def headline_figures() -> stat.Panel:
    sql = f"""
        SELECT indicator_name_vi AS "Chỉ số", value AS "Giá trị"
        FROM ioc.series_overview
        WHERE scope = 'province' AND indicator = ANY({HEADLINES})
        ORDER BY array_position({HEADLINES}, indicator)
    """
    figures = sql_panel(
        stat.Panel(),
        7,
        "Số liệu mới nhất",
        "Giá trị mới nhất toàn tỉnh của các chỉ số trọng điểm. Latest headline figures.",
        sql=sql,
        height=8,
        span=10,
    )
    # These figures have no common good or bad level; their targets carry that.
    return (
        percent_per_row(figures, column="Giá trị", steps=[(None, BLUE)])
        .color_mode(BigValueColorMode.VALUE)
        .graph_mode(BigValueGraphMode.NONE)
        .text_mode(BigValueTextMode.VALUE_AND_NAME)
    )


def headline_trends() -> timeseries.Panel:
    sql = rolled_up(
        series="ioc.series_overview",
        metric="s.indicator_name_vi",
        value="r.last_value",
        where=[f"s.scope = 'province' AND s.indicator = ANY({HEADLINES})"],
    )
    chart = figures_over_time(
        8,
        "Diễn biến chỉ số trọng điểm",
        "Giá trị cuối mỗi khoảng, toàn tỉnh. Headline figures over time (province).",
        queries=[sql_series(sql)],
        height=8,
        span=14,
        legend=board.legend_below(),
    )
    return percentages(chart)
