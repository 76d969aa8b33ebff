"""The panel shapes the dashboards repeat, each written once: a table of rows, coloured
counts, lines of figures over time, and the pipeline's Prometheus graphs and numbers.

A dashboard module says what a panel shows (its query, its columns, its size); the
settings every panel of a shape shares live here, so two tables never drift apart.
"""

from __future__ import annotations

from collections.abc import Sequence

from grafana_foundation_sdk.builders import common, dashboard, stat, table, timeseries
from grafana_foundation_sdk.cog import builder as cogbuilder
from grafana_foundation_sdk.cog import variants as cogvariants
from grafana_foundation_sdk.models.common import (
    BigValueColorMode,
    BigValueGraphMode,
    BigValueTextMode,
    TableCellHeight,
)
from grafana_foundation_sdk.models.dashboard import Threshold, ThresholdsMode

from . import board
from .columns import Column, with_columns
from .datasources import PROMETHEUS, TIMESCALEDB, sql_table

Steps = Sequence[tuple[float | None, str]]
"""(from value, colour) steps; the first starts at minus infinity (None)."""


def threshold_steps(steps: Steps) -> dashboard.ThresholdsConfig:
    """A panel's colour by its value: `steps` as Grafana's absolute thresholds."""
    return (
        dashboard.ThresholdsConfig()
        .mode(ThresholdsMode.ABSOLUTE)
        .steps([Threshold(value=value, color=colour) for value, colour in steps])
    )


def rows_table(
    panel_id: int,
    title: str,
    description: str,
    *,
    sql: str,
    columns: Sequence[Column],
    height: int,
    span: int = 24,
) -> table.Panel:
    """A table of one query's rows from TimescaleDB, its columns shown as `columns` say."""
    panel = (
        table.Panel()
        .id(panel_id)
        .title(title)
        .description(description)
        .datasource(TIMESCALEDB)
        .with_target(sql_table(sql))
        .height(height)
        .span(span)
        .cell_height(TableCellHeight.SM)
    )
    return with_columns(panel, columns)


def counts(
    panel_id: int,
    title: str,
    description: str,
    *,
    sql: str,
    columns: Sequence[Column],
    height: int,
    span: int,
    color_mode: BigValueColorMode = BigValueColorMode.BACKGROUND,
) -> stat.Panel:
    """How many of each: one whole number per column of the query's single row, each
    named by its column and coloured as `columns` say."""
    panel = (
        stat.Panel()
        .id(panel_id)
        .title(title)
        .description(description)
        .datasource(TIMESCALEDB)
        .with_target(sql_table(sql))
        .height(height)
        .span(span)
        .unit("none")
        .decimals(0)
        .color_mode(color_mode)
        .graph_mode(BigValueGraphMode.NONE)
        .text_mode(BigValueTextMode.VALUE_AND_NAME)
        .reduce_options(common.ReduceDataOptions().calcs(["lastNotNull"]).values(False))
    )
    return with_columns(panel, columns)


def figures_over_time(
    panel_id: int,
    title: str,
    description: str,
    *,
    queries: Sequence[cogbuilder.Builder[cogvariants.Dataquery]],
    height: int,
    span: int = 24,
    legend: common.VizLegendOptions,
) -> timeseries.Panel:
    """Lines of figures from TimescaleDB, one per series the queries return; gaps between
    reports are bridged, since figures come monthly to yearly."""
    panel = timeseries.Panel().id(panel_id).title(title).description(description)
    for query in queries:
        panel = panel.with_target(query)
    return (
        panel.datasource(TIMESCALEDB)
        .height(height)
        .span(span)
        .span_nulls(True)
        .legend(legend)
        .tooltip(board.every_series())
    )


def percentages(panel: timeseries.Panel) -> timeseries.Panel:
    """A chart of percentages: the axis always runs from 0 to 100."""
    return panel.unit("percent").min(0).max(100)


def prometheus_graph(
    panel_id: int,
    title: str,
    description: str,
    *,
    unit: str,
    queries: Sequence[cogbuilder.Builder[cogvariants.Dataquery]],
    span: int = 12,
) -> timeseries.Panel:
    """Rates or latencies from Prometheus, one line per series of each query."""
    panel = (
        timeseries.Panel()
        .id(panel_id)
        .title(title)
        .description(description)
        .datasource(PROMETHEUS)
        .height(8)
        .span(span)
        .unit(unit)
        .fill_opacity(10)
        .legend(board.legend_below())
        .tooltip(board.every_series())
    )
    for query in queries:
        panel = panel.with_target(query)
    return panel


def prometheus_number(
    panel_id: int,
    title: str,
    description: str,
    *,
    queries: Sequence[cogbuilder.Builder[cogvariants.Dataquery]],
    steps: Steps,
    span: int = 6,
) -> stat.Panel:
    """The latest value of each Prometheus series, its background coloured by `steps`."""
    panel = (
        stat.Panel()
        .id(panel_id)
        .title(title)
        .description(description)
        .datasource(PROMETHEUS)
        .height(5)
        .span(span)
        .thresholds(threshold_steps(steps))
        .color_mode(BigValueColorMode.BACKGROUND)
        .reduce_options(common.ReduceDataOptions().calcs(["lastNotNull"]).values(False))
    )
    for query in queries:
        panel = panel.with_target(query)
    return panel
