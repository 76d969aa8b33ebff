"""The panel shapes the dashboards repeat, each written once: a table of rows, coloured
counts, lines of figures over time, and the pipeline's Prometheus graphs and numbers.

A dashboard module says what a panel shows (its query, its columns, its size); the
settings every panel of a shape shares live here, so two tables never drift apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, Self, TypeVar

from grafana_foundation_sdk.builders import common, dashboard, stat, table, timeseries
from grafana_foundation_sdk.cog import builder as cogbuilder
from grafana_foundation_sdk.cog import variants as cogvariants
from grafana_foundation_sdk.models.common import (
    BigValueColorMode,
    BigValueGraphMode,
    BigValueTextMode,
    ReduceDataOptions,
    TableCellHeight,
)
from grafana_foundation_sdk.models.dashboard import (
    DataSourceRef,
    Threshold,
    ThresholdsConfig,
    ThresholdsMode,
)

from . import board
from .columns import Column, with_columns
from .datasources import PROMETHEUS, TIMESCALEDB, sql_table

Steps = Sequence[tuple[float | None, str]]
"""(from value, colour) steps; the first starts at minus infinity (None)."""
Queries = Sequence[cogbuilder.Builder[cogvariants.Dataquery]]
# Heights in grid rows of the pipeline's Prometheus panels: alike, so a row of them lines up.
GRAPH_ROWS = 8
NUMBER_ROWS = 5


class _Panel(Protocol):
    """What every panel builder of the SDK offers (each panel type has its own class)."""

    def id(self, value: int, /) -> Self: ...
    def title(self, value: str, /) -> Self: ...
    def description(self, value: str, /) -> Self: ...
    def datasource(self, value: DataSourceRef, /) -> Self: ...
    def with_target(self, value: cogbuilder.Builder[cogvariants.Dataquery], /) -> Self: ...
    def height(self, value: int, /) -> Self: ...
    def span(self, value: int, /) -> Self: ...


class _ValuePanel(_Panel, Protocol):
    """A panel that reduces each field to one value (stat, bar gauge)."""

    def unit(self, value: str, /) -> Self: ...
    def decimals(self, value: float, /) -> Self: ...
    def min(self, value: float, /) -> Self: ...
    def max(self, value: float, /) -> Self: ...
    def thresholds(self, value: cogbuilder.Builder[ThresholdsConfig], /) -> Self: ...
    def reduce_options(self, value: cogbuilder.Builder[ReduceDataOptions], /) -> Self: ...


Panel = TypeVar("Panel", bound=_Panel)
ValuePanel = TypeVar("ValuePanel", bound=_ValuePanel)


def placed(
    panel: Panel,
    panel_id: int,
    title: str,
    description: str,
    source: DataSourceRef,
    queries: Queries,
    height: int,
    span: int,
) -> Panel:
    """`panel` named, fed by `queries` from `source`, and sized on the 24-column grid."""
    panel = panel.id(panel_id).title(title).description(description).datasource(source)
    for query in queries:
        panel = panel.with_target(query)
    return panel.height(height).span(span)


def sql_panel(
    panel: Panel, panel_id: int, title: str, description: str, sql: str, height: int, span: int
) -> Panel:
    """`panel` placed, fed by one table query on TimescaleDB."""
    return placed(panel, panel_id, title, description, TIMESCALEDB, [sql_table(sql)], height, span)


def percent_per_row(panel: ValuePanel, *, column: str, steps: Steps) -> ValuePanel:
    """One percentage per row of the query: the row's `column`, named by the row's text
    column (an agency, an indicator) and coloured by `steps`."""
    return (
        panel.unit("percent")
        .decimals(1)
        .min(0)
        .max(100)
        .thresholds(threshold_steps(steps))
        .reduce_options(common.ReduceDataOptions().values(True).calcs([]).fields(f"/^{column}$/"))
    )


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
    panel = sql_panel(table.Panel(), panel_id, title, description, sql, height, span)
    return with_columns(panel.cell_height(TableCellHeight.SM), columns)


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
        sql_panel(stat.Panel(), panel_id, title, description, sql, height, span)
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
    queries: Queries,
    height: int,
    span: int = 24,
    legend: common.VizLegendOptions,
) -> timeseries.Panel:
    """Lines of figures from TimescaleDB, one per series the queries return; gaps between
    reports are bridged, since figures come monthly to yearly."""
    return (
        placed(timeseries.Panel(), panel_id, title, description, TIMESCALEDB, queries, height, span)
        .span_nulls(True)
        .legend(legend)
        .tooltip(board.every_series())
    )


def percentages(panel: timeseries.Panel) -> timeseries.Panel:
    """A chart of percentages: the axis always runs from 0 to 100."""
    return panel.unit("percent").min(0).max(100)


def prometheus_graph(
    panel_id: int, title: str, description: str, *, unit: str, queries: Queries, span: int = 12
) -> timeseries.Panel:
    """Rates or latencies from Prometheus, one line per series of each query."""
    return (
        placed(
            timeseries.Panel(), panel_id, title, description, PROMETHEUS, queries, GRAPH_ROWS, span
        )
        .unit(unit)
        .fill_opacity(10)
        .legend(board.legend_below())
        .tooltip(board.every_series())
    )


def prometheus_number(
    panel_id: int, title: str, description: str, *, queries: Queries, steps: Steps, span: int = 6
) -> stat.Panel:
    """The latest value of each Prometheus series, its background coloured by `steps`."""
    return (
        placed(stat.Panel(), panel_id, title, description, PROMETHEUS, queries, NUMBER_ROWS, span)
        .thresholds(threshold_steps(steps))
        .color_mode(BigValueColorMode.BACKGROUND)
        .reduce_options(common.ReduceDataOptions().calcs(["lastNotNull"]).values(False))
    )
