"""A dashboard opened the way Grafana opens it, against a real database: the variables
filled in order (each may read the ones before it), then every SQL target expanded with
them and run, its columns judged against what its panel shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import asyncpg

from ioc_storage.connection import Connection

from .dashboard_json import Json, provisioned_sources, targets, variables
from .grafana_sql import Chosen, QueryWindow, SqlExpander
from .grafana_time import ExpansionError, grafana_interval, parse_duration, relative_time
from .query_shapes import QueryRun, column_problems, series_name_problems

# Grafana's width for a panel's data points when the browser does not say: the test
# uses the same for every panel (Grafana uses the panel's width in pixels).
MAX_DATA_POINTS = 1000
ALL = "$__all"


def sql_min_interval() -> timedelta:
    (source,) = [s for s in provisioned_sources() if s["uid"] == "ioc-timescaledb"]
    return parse_duration(source["jsonData"]["timeInterval"])


@dataclass
class DashboardRun:
    """Every SQL query of one dashboard, run for one choice of its variables."""

    problems: list[str] = field(default_factory=list)
    options: dict[str, list[str]] = field(default_factory=dict)
    runs: list[QueryRun] = field(default_factory=list)

    def panel(self, title: str, ref_id: str = "A") -> QueryRun:
        (found,) = [
            r
            for r in self.runs
            if r.target.panel["title"] == title and r.target.query["refId"] == ref_id
        ]
        return found


async def fetch(connection: Connection, sql: str) -> tuple[dict[str, str], list[dict[str, Any]]]:
    statement = await connection.prepare(sql)
    columns = {attribute.name: attribute.type.name for attribute in statement.get_attributes()}
    return columns, [dict(record) for record in await statement.fetch()]


async def run_dashboard(
    connection: Connection,
    dashboard: Json,
    *,
    now: datetime,
    choose: dict[str, tuple[str, ...]],
) -> DashboardRun:
    """Fills the variables in order (each may read the ones before it), then runs every
    SQL target with them: what Grafana does when the dashboard opens."""
    result = DashboardRun()
    start = relative_time(dashboard["time"]["from"], now)
    end = relative_time(dashboard["time"]["to"], now)
    window = QueryWindow(
        start,
        end,
        grafana_interval(start, end, max_data_points=MAX_DATA_POINTS, minimum=sql_min_interval()),
    )
    chosen: dict[str, Chosen] = {}
    for variable in variables(dashboard):
        name = variable["name"]
        where = f"{dashboard['uid']} / ${name}"
        try:
            columns, rows = await fetch(
                connection, SqlExpander(window, chosen).expand(variable["query"])
            )
        except (ExpansionError, asyncpg.PostgresError) as error:
            result.problems.append(f"{where}: {error}")
            return result
        if not {"__value", "__text"} <= set(columns):
            result.problems.append(f"{where}: returns {sorted(columns)}, not __value and __text")
        options = [str(row.get("__value")) for row in rows]
        result.options[name] = options
        values = variable["current"]["value"]
        values = tuple(values) if isinstance(values, list) else (values,)
        if name in choose:
            values = choose[name]
        elif values == (ALL,):
            values = tuple(options)
        else:
            missing = set(values) - set(options)
            if missing:
                result.problems.append(f"{where}: default {sorted(missing)} is not an option")
        multi_or_all = bool(variable.get("multi") or variable.get("includeAll"))
        chosen[name] = Chosen(values, multi_or_all)
    for target in targets(dashboard, "grafana-postgresql-datasource"):
        try:
            sql = SqlExpander(window, chosen).expand(target.query["rawSql"])
            columns, rows = await fetch(connection, sql)
        except (ExpansionError, asyncpg.PostgresError) as error:
            result.problems.append(f"{target.where}: {type(error).__name__}: {error}")
            continue
        result.problems.extend(f"{target.where}: {p}" for p in column_problems(target, columns))
        result.runs.append(QueryRun(target, columns, rows))
    if not choose:
        # Judged on the defaults (everything selected): one chosen target may lack a line.
        result.problems.extend(series_name_problems(result.runs))
    return result
