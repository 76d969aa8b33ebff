"""What every IOC dashboard shares: time zone, links between the dashboards, the
addresses one dashboard uses to open another, and the variables' SQL dialect.
"""

from __future__ import annotations

import textwrap

from grafana_foundation_sdk.builders import common, dashboard
from grafana_foundation_sdk.models.common import (
    LegendDisplayMode,
    LegendPlacement,
    SortOrder,
    TooltipDisplayMode,
)
from grafana_foundation_sdk.models.dashboard import (
    DashboardCursorSync,
    DashboardLinkType,
    VariableHide,
    VariableOption,
    VariableRefresh,
    VariableSort,
)

from .datasources import TIMESCALEDB

TIMEZONE = "Asia/Ho_Chi_Minh"
FAMILY_TAG = "ioc-monitor"

OVERVIEW = "ioc-overview"
DOMAINS = "ioc-domains"
AGENCIES = "ioc-agencies"
TARGETS = "ioc-targets"
PIPELINE = "ioc-pipeline"

# Months as the alert messages count them (ioc_alerts.domain.wording.DAYS_PER_MONTH):
# the service stores rates per day, leaders read them per month.
DAYS_PER_MONTH = 365.25 / 12

# The value Grafana stores for a variable's "All" option (every option's value).
ALL_SELECTED = "$__all"


def selected(variable: str) -> str:
    """The SQL array of the values chosen in a dashboard variable.

    Grafana's PostgreSQL data source writes the values as 'a','b' with `:sqlstring`.
    Inside ARRAY[...]::text[] an empty choice (a domain with no indicator yet) is still
    valid SQL and matches nothing, where IN () would be a syntax error.
    """
    return f"ARRAY[${{{variable}:sqlstring}}]::text[]"


def url(uid: str, *query: str) -> str:
    """A link to another dashboard that keeps the operator's time range."""
    return f"/d/{uid}/?" + "&".join([*query, "${__url_time_range}"])


def new(
    uid: str, title: str, *, description: str, tags: list[str], since: str
) -> dashboard.Dashboard:
    return (
        dashboard.Dashboard(title)
        .uid(uid)
        .description(description)
        .tags([FAMILY_TAG, *tags])
        .timezone(TIMEZONE)
        .time(since, "now")
        .week_start("monday")
        .tooltip(DashboardCursorSync.CROSSHAIR)
        .readonly()
        # Grafana adds its built-in annotations itself; an explicit empty list keeps
        # the JSON in the shape Grafana expects ({"list": []}).
        .annotations([])
        .link(
            dashboard.DashboardLink("Bảng điều khiển IOC")
            .type(DashboardLinkType.DASHBOARDS)
            .tags([FAMILY_TAG])
            .as_dropdown(True)
            .keep_time(True)
            .include_vars(False)
            .target_blank(False)
        )
    )


def row(title: str, panel_id: int) -> dashboard.Row:
    return dashboard.Row(title).id(panel_id)


def sql_variable(
    name: str,
    label: str,
    sql: str,
    *,
    multi: bool,
    default: tuple[str, str] | None = None,
) -> dashboard.QueryVariable:
    """A variable filled by SQL returning `__value` (the code) and `__text` (its name).

    Without `default` the variable starts on "All"; multi-value variables always offer it.
    """
    value, text = default if default else (ALL_SELECTED, "All")
    return (
        dashboard.QueryVariable(name)
        .id(name)
        .label(label)
        .datasource(TIMESCALEDB)
        .query(textwrap.dedent(sql).strip())
        .multi(multi)
        .include_all(multi or default is None)
        .current(
            VariableOption(
                selected=True, text=[text] if multi else text, value=[value] if multi else value
            )
        )
        # Catalog lists change rarely; reading them once per page load is enough.
        .refresh(VariableRefresh.ON_DASHBOARD_LOAD)
        .sort(VariableSort.DISABLED)
        .hide(VariableHide.DONT_HIDE)
    )


def panel_link(title: str, address: str) -> dashboard.DashboardLink:
    """A link in a panel's corner, to another dashboard."""
    return (
        dashboard.DashboardLink(title)
        .type(DashboardLinkType.LINK)
        .url(address)
        .target_blank(False)
        .keep_time(False)
        .include_vars(False)
        .as_dropdown(False)
    )


def legend_below() -> common.VizLegendOptions:
    return (
        common.VizLegendOptions()
        .display_mode(LegendDisplayMode.LIST)
        .placement(LegendPlacement.BOTTOM)
        .show_legend(True)
    )


def legend_with_latest() -> common.VizLegendOptions:
    """A table beside the chart with each series' latest value: many series, read by name."""
    return (
        common.VizLegendOptions()
        .display_mode(LegendDisplayMode.TABLE)
        .placement(LegendPlacement.RIGHT)
        .show_legend(True)
        .calcs(["lastNotNull"])
    )


def every_series() -> common.VizTooltipOptions:
    """The tooltip compares all series at the moment under the cursor, highest first."""
    return common.VizTooltipOptions().mode(TooltipDisplayMode.MULTI).sort(SortOrder.DESCENDING)
