"""What a panel needs from its query, judged on the columns and rows the query really
returned: a time series query returns a `time` timestamp and numbers (or `time`,
`metric` and one number, the only shape in which Grafana names series by `metric`); a
table, stat or bar gauge query returns every column the panel names (overrides by name,
`${__data.fields.X}` in links, the field a stat reduces), and stats and bar gauges get
at least one number. A style override by regexp must match a series the panel draws.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .dashboard_json import Json, Target, named_columns, regexp_overrides

NUMERIC = {"int2", "int4", "int8", "float4", "float8", "numeric"}
TIMES = {"timestamptz", "timestamp"}


@dataclass
class QueryRun:
    target: Target
    columns: dict[str, str]
    rows: list[dict[str, Any]]


def column_problems(target: Target, columns: dict[str, str]) -> list[str]:
    """What the panel expects from its query's columns, by the query's format."""
    if target.query["format"] == "time_series":
        if columns.get("time") not in TIMES:
            return [f"time series without a timestamp column named time: {columns}"]
        values = {name: kind for name, kind in columns.items() if name != "time"}
        if "metric" in values:
            # Grafana names series by `metric` only when the query has exactly three columns.
            del values["metric"]
            if len(values) != 1:
                return [f"time, metric and one value expected: {sorted(columns)}"]
        wrong = {name: kind for name, kind in values.items() if kind not in NUMERIC}
        if not values or wrong:
            return [f"time series values must be numbers: {values}"]
        return []
    problems = [
        f"the panel shows {name!r}, the query does not return it"
        for name in sorted(named_columns(target.panel) - set(columns))
    ]
    if (
        target.panel["type"] in {"stat", "bargauge", "gauge"}
        and not set(columns.values()) & NUMERIC
    ):
        problems.append(f"{target.panel['type']} without a number: {columns}")
    return problems


def series_name_problems(runs: list[QueryRun]) -> list[str]:
    """A style override by regexp must style some series the panel really draws."""
    names: dict[int, set[str]] = {}
    panels: dict[int, Json] = {}
    for run in runs:
        if run.target.query["format"] != "time_series":
            continue
        panel_id = run.target.panel["id"]
        panels[panel_id] = run.target.panel
        drawn = names.setdefault(panel_id, set())
        if "metric" in run.columns:
            drawn.update(str(row["metric"]) for row in run.rows)
        else:
            drawn.update(name for name in run.columns if name != "time")
    return [
        f"{panels[panel_id]['title']!r}: override /{pattern}/ matches no series of {sorted(drawn)[:5]}"
        for panel_id, drawn in names.items()
        for pattern in regexp_overrides(panels[panel_id])
        if not any(re.search(pattern, name) for name in drawn)
    ]
