"""Reading the generated Grafana dashboards the way Grafana runs them, without Grafana.

Used by tests/test_dashboards.py:

- `SqlExpander`: turns a panel's raw SQL into the SQL Grafana's PostgreSQL data source
  sends to TimescaleDB. It follows Grafana 12's code (public/app/features/plugins/sql
  for variables, pkg/tsdb/sqleng and pkg/tsdb/grafana-postgresql-datasource/macros.go
  for macros), in Grafana's order:

  1. dashboard variables (frontend): `$name`, `${name}` and `${name:sqlstring}`.
     Default format as the SQL data sources do it: a variable that is multi-value or
     has "All" renders every value quoted (`'a','b'`, a `'` doubled); a single-value
     variable renders its value bare with `'` doubled. `:sqlstring` always quotes
     (`'` doubled, `"` escaped as `\\"`) and joins with `,`. "All" without a custom
     all-value means every option's value. Any other format is refused, so a
     dashboard cannot use one this test does not know.
  2. global SQL substitutions (sqleng.Interpolate): `$__interval` (Grafana's rounded
     interval text: 1m, 1d, 7d, 1y), `$__interval_ms`, `$__unixEpochFrom()`,
     `$__unixEpochTo()`.
  3. macros `$__name(args)`, matched like Grafana (`\\$(\\w+)\\(([^)]*)\\)`):
     `$__time(c)` → `c AS "time"`; `$__timeEpoch(c)` → `extract(epoch from c) as "time"`;
     `$__timeFilter(c)` → `c BETWEEN 'from' AND 'to'` (RFC 3339, UTC);
     `$__timeFrom()`/`$__timeTo()` → `'from'`/`'to'`;
     `$__timeGroup(c, i[, fill])` → `time_bucket('Ns', c)` (the data source has TimescaleDB
     on), and as Grafana does, `$__timeGroup(...)` directly followed by `,` gets the
     alias; `$__timeGroupAlias(...)` → the same `AS "time"`;
     `$__unixEpochFilter(c)`, `$__unixEpochNanoFilter(c)`, `$__unixEpochNanoFrom()`,
     `$__unixEpochNanoTo()`, `$__unixEpochGroup(c, i)`, `$__unixEpochGroupAlias(c, i)`.
     A fill argument only changes how Grafana fills gaps after the query; it is ignored.
     An unknown macro is an error, as in Grafana.

  Whatever still looks like `$name` afterwards is an error: Grafana would send it to
  PostgreSQL as is.

- What a panel needs from its query (`column_problems`): a time series query returns a
  `time` timestamp and numbers (or `time`, `metric` and one number, the only shape in
  which Grafana names series by `metric`); a table, stat or bar gauge query returns
  every column the panel names (overrides by name, `${__data.fields.X}` in links, the
  field a stat reduces), and stats and bar gauges get at least one number. A style
  override by regexp must match a series the panel draws (`series_name_problems`).
- `promql_uses`: the metric names and label names a PromQL expression reads.
- Walking dashboard JSON: SQL and PromQL targets, variables, panels in rows.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

Json = dict[str, Any]


class ExpansionError(ValueError):
    """The SQL uses something Grafana would not expand (or this test does not know)."""


# --- time range and interval -----------------------------------------------------------

_UNITS = {
    "s": timedelta(seconds=1),
    "m": timedelta(minutes=1),
    "h": timedelta(hours=1),
    "d": timedelta(days=1),
    "w": timedelta(weeks=1),
    "M": timedelta(days=30),
    "y": timedelta(days=365),
}
# Grafana's gtime.RoundInterval: upper bound of the raw interval -> interval used.
_ROUNDING_MS = [
    (10, 1), (15, 10), (35, 20), (75, 50), (150, 100), (350, 200), (750, 500),
    (1_500, 1_000), (3_500, 2_000), (7_500, 5_000), (12_500, 10_000), (17_500, 15_000),
    (25_000, 20_000), (45_000, 30_000), (90_000, 60_000), (210_000, 120_000),
    (450_000, 300_000), (750_000, 600_000), (1_050_000, 900_000), (1_500_000, 1_200_000),
    (2_700_000, 1_800_000), (5_400_000, 3_600_000), (9_000_000, 7_200_000),
    (16_200_000, 10_800_000), (32_400_000, 21_600_000), (86_400_000, 43_200_000),
    (172_800_000, 86_400_000), (604_800_000, 86_400_000), (1_814_400_000, 604_800_000),
]  # fmt: skip
_THIRTY_DAYS_MS, _YEAR_MS, _TWO_YEARS_BOUND_MS = 2_592_000_000, 31_536_000_000, 3_628_800_000


def relative_time(expression: str, now: datetime) -> datetime:
    """`now` or `now-5y` as in a dashboard's `time`; rounding (`/d`) is not used here."""
    match = re.fullmatch(r"now(?:-(\d+)([smhdwMy]))?", expression)
    if match is None:
        raise ExpansionError(f"time {expression!r}: only now and now-N<unit> are supported")
    if match[1] is None:
        return now
    return now - int(match[1]) * _UNITS[match[2]]


def round_interval(raw: timedelta) -> timedelta:
    milliseconds = raw / timedelta(milliseconds=1)
    for bound, rounded in _ROUNDING_MS:
        if milliseconds <= bound:
            return timedelta(milliseconds=rounded)
    if milliseconds < _TWO_YEARS_BOUND_MS:
        return timedelta(milliseconds=_THIRTY_DAYS_MS)
    return timedelta(milliseconds=_YEAR_MS)


def interval_text(interval: timedelta) -> str:
    """Grafana's FormatDuration: the largest whole unit, y, d, h, m, s or ms."""
    milliseconds = int(interval / timedelta(milliseconds=1))
    for unit, size in (
        ("y", _YEAR_MS),
        ("d", 86_400_000),
        ("h", 3_600_000),
        ("m", 60_000),
        ("s", 1_000),
    ):
        if milliseconds >= size:
            return f"{milliseconds // size}{unit}"
    return f"{max(milliseconds, 1)}ms"


def grafana_interval(
    start: datetime, end: datetime, *, max_data_points: int, minimum: timedelta
) -> timedelta:
    """The `$__interval` of a query: range / max data points, at least `minimum`, rounded."""
    return round_interval(max((end - start) / max_data_points, minimum))


def rfc3339(moment: datetime) -> str:
    """Go's time.RFC3339Nano in UTC, as Grafana writes the range into SQL."""
    text = moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f").rstrip("0").rstrip(".")
    return text + "Z"


# --- variables and macros --------------------------------------------------------------


@dataclass(frozen=True)
class Chosen:
    """What is selected in one dashboard variable."""

    values: tuple[str, ...]
    multi_or_all: bool
    """Multi-value or with an "All" option: then the SQL data source quotes the values."""


@dataclass(frozen=True)
class QueryWindow:
    start: datetime
    end: datetime
    interval: timedelta


_VARIABLE = re.compile(r"\$\{(\w+)(?::(\w+))?\}|\$(\w+)")
_MACRO = re.compile(r"\$([_a-zA-Z0-9]+)\(([^\)]*)\)")
_LEFTOVER = re.compile(r"\$\{?[A-Za-z_]")


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _sqlstring(values: tuple[str, ...]) -> str:
    return ",".join("'" + v.replace("'", "''").replace('"', '\\"') + "'" for v in values)


@dataclass(frozen=True)
class SqlExpander:
    window: QueryWindow
    variables: Mapping[str, Chosen] = field(default_factory=dict)

    def expand(self, sql: str) -> str:
        sql = _VARIABLE.sub(self._variable, sql)
        sql = self._globals(sql)
        sql = self._macros(sql)
        leftover = _LEFTOVER.search(sql)
        if leftover:
            raise ExpansionError(
                f"not expanded near {sql[leftover.start() : leftover.start() + 30]!r}"
            )
        return sql

    def _variable(self, match: re.Match[str]) -> str:
        name = match[1] or match[3]
        if name.startswith("__"):
            return match[0]  # built-in: expanded by the next steps (or refused there)
        if name not in self.variables:
            raise ExpansionError(f"${name}: no such dashboard variable")
        chosen = self.variables[name]
        fmt = match[2]
        if fmt == "sqlstring":
            return _sqlstring(chosen.values)
        if fmt is not None:
            raise ExpansionError(
                f"${{{name}:{fmt}}}: only the default format and :sqlstring are supported"
            )
        if chosen.multi_or_all:
            return ",".join(_quote(v) for v in chosen.values)
        if len(chosen.values) != 1:
            raise ExpansionError(
                f"${name}: a single-value variable with {len(chosen.values)} values"
            )
        return chosen.values[0].replace("'", "''")

    def _globals(self, sql: str) -> str:
        milliseconds = int(self.window.interval / timedelta(milliseconds=1))
        sql = sql.replace("$__interval_ms", str(milliseconds))
        sql = sql.replace("$__interval", interval_text(self.window.interval))
        sql = sql.replace("$__unixEpochFrom()", str(int(self.window.start.timestamp())))
        return sql.replace("$__unixEpochTo()", str(int(self.window.end.timestamp())))

    def _macros(self, sql: str) -> str:
        def replace(match: re.Match[str]) -> str:
            name = match[1]
            following = sql[match.end() : match.end() + 1]
            # Grafana before 5.3 aliased $__timeGroup itself; it still does when a comma follows.
            if name == "__timeGroup" and following == ",":
                name = "__timeGroupAlias"
            arguments = [argument.strip() for argument in match[2].split(",")]
            return self._macro(name, arguments)

        return _MACRO.sub(replace, sql)

    def _macro(self, name: str, arguments: list[str]) -> str:
        start, end = self.window.start, self.window.end
        column = arguments[0]
        if (
            name
            in {
                "__time",
                "__timeEpoch",
                "__timeFilter",
                "__unixEpochFilter",
                "__unixEpochNanoFilter",
            }
            and not column
        ):
            raise ExpansionError(f"${name}: missing time column argument")
        match name:
            case "__time":
                return f'{column} AS "time"'
            case "__timeEpoch":
                return f'extract(epoch from {column}) as "time"'
            case "__timeFilter":
                return f"{column} BETWEEN '{rfc3339(start)}' AND '{rfc3339(end)}'"
            case "__timeFrom":
                return f"'{rfc3339(start)}'"
            case "__timeTo":
                return f"'{rfc3339(end)}'"
            case "__timeGroup":
                return f"time_bucket('{self._bucket_seconds(name, arguments):.3f}s',{column})"
            case "__timeGroupAlias":
                return self._macro("__timeGroup", arguments) + ' AS "time"'
            case "__unixEpochFilter":
                return (
                    f"{column} >= {int(start.timestamp())} AND {column} <= {int(end.timestamp())}"
                )
            case "__unixEpochNanoFilter":
                return f"{column} >= {_nanos(start)} AND {column} <= {_nanos(end)}"
            case "__unixEpochNanoFrom":
                return str(_nanos(start))
            case "__unixEpochNanoTo":
                return str(_nanos(end))
            case "__unixEpochGroup":
                seconds = self._bucket_seconds(name, arguments)
                return f"floor(({column})/{seconds:g})*{seconds:g}"
            case "__unixEpochGroupAlias":
                return self._macro("__unixEpochGroup", arguments) + ' AS "time"'
        raise ExpansionError(f"unknown macro ${name}")

    @staticmethod
    def _bucket_seconds(name: str, arguments: list[str]) -> float:
        if len(arguments) < 2:
            raise ExpansionError(f"${name} needs a time column and an interval")
        return parse_duration(arguments[1].strip("'")).total_seconds()


def _nanos(moment: datetime) -> int:
    return int(moment.timestamp()) * 1_000_000_000


def parse_duration(text: str) -> timedelta:
    """An interval as Grafana's gtime.ParseInterval reads it (after $__interval is expanded)."""
    match = re.fullmatch(r"(\d+)(ms|[smhdwMy])", text)
    if match is None:
        raise ExpansionError(f"error parsing interval {text}")
    if match[2] == "ms":
        return timedelta(milliseconds=int(match[1]))
    return int(match[1]) * _UNITS[match[2]]


# --- dashboard JSON --------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    dashboard: str
    panel: Json
    query: Json

    @property
    def where(self) -> str:
        return f"{self.dashboard} / {self.panel.get('title')!r} / {self.query.get('refId')}"


def panels(dashboard: Json) -> Iterator[Json]:
    """Every panel, including those inside collapsed rows."""
    for panel in dashboard.get("panels", []):
        yield panel
        yield from panel.get("panels", [])


def targets(dashboard: Json, datasource_type: str) -> Iterator[Target]:
    for panel in panels(dashboard):
        for query in panel.get("targets", []):
            source = query.get("datasource") or panel.get("datasource") or {}
            if source.get("type") == datasource_type:
                yield Target(dashboard["uid"], panel, query)


def variables(dashboard: Json) -> list[Json]:
    listed: list[Json] = dashboard.get("templating", {}).get("list", [])
    return listed


_FIELD_REFERENCE = re.compile(r"\$\{__data\.fields(?:\.(\w+)|\[\"([^\"]+)\"\])")


def named_columns(panel: Json) -> set[str]:
    """The columns a table-shaped panel names: overrides by name, data links, and
    the field a stat or bar gauge reduces (`/^name$/`)."""
    names: set[str] = set()
    for override in panel.get("fieldConfig", {}).get("overrides", []):
        matcher = override["matcher"]
        if matcher["id"] == "byName":
            names.add(matcher["options"])
        for setting in override["properties"]:
            if setting["id"] == "links":
                for link in setting["value"]:
                    names.update(a or b for a, b in _FIELD_REFERENCE.findall(link["url"]))
    reduced = panel.get("options", {}).get("reduceOptions", {}).get("fields", "")
    exact = re.fullmatch(r"/\^(.+)\$/", reduced or "")
    if exact:
        names.add(exact[1])
    return names


def regexp_overrides(panel: Json) -> list[str]:
    return [
        override["matcher"]["options"]
        for override in panel.get("fieldConfig", {}).get("overrides", [])
        if override["matcher"]["id"] == "byRegexp"
    ]


# --- what a panel needs from its query -------------------------------------------------

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


# --- PromQL ----------------------------------------------------------------------------

_PROMQL_WORDS = {
    # aggregation operators, keywords and set operators
    "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values",
    "bottomk", "topk", "quantile", "limitk", "limit_ratio", "by", "without", "on",
    "ignoring", "group_left", "group_right", "bool", "offset", "and", "or", "unless",
    "atan2", "inf", "nan", "start", "end",
}  # fmt: skip
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)")
_SELECTOR = re.compile(r"([a-zA-Z_:][a-zA-Z0-9_:]*)?\s*\{([^}]*)\}")
_MATCHER = re.compile(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)")
_IDENTIFIER = re.compile(r"(?<![\w.])([a-zA-Z_:][a-zA-Z0-9_:]*)(?!\w)(\s*\()?")


@dataclass
class PromqlUse:
    metrics: set[str] = field(default_factory=set)
    matched_labels: dict[str, set[str]] = field(default_factory=dict)
    """Labels in each metric's own {…} selector."""
    grouping_labels: set[str] = field(default_factory=set)
    """Labels in by (…), without (…), on (…), ignoring (…), group_left/right (…)."""


def promql_uses(expr: str) -> PromqlUse:
    """Metric and label names an expression reads; Grafana's $__ variables count as none."""
    use = PromqlUse()
    text = re.sub(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`', '""', expr)
    text = re.sub(r"\[[^\]]*\]", "", text)  # range and subquery durations
    text = re.sub(r"\$\{?\w+\}?", " ", text)  # Grafana's variables
    for match in _GROUPING.finditer(text):
        use.grouping_labels.update(n.strip() for n in match[1].split(",") if n.strip())
    text = _GROUPING.sub(" ", text)
    for match in _SELECTOR.finditer(text):
        labels = set(_MATCHER.findall(match[2]))
        if match[1] is None:
            raise ExpansionError(f"{expr!r}: a selector without a metric name is not checked")
        use.metrics.add(match[1])
        use.matched_labels.setdefault(match[1], set()).update(labels)
    text = _SELECTOR.sub(lambda m: f" {m[1]} ", text)
    for match in _IDENTIFIER.finditer(text):
        name, call = match[1], match[2]
        if call or name in _PROMQL_WORDS or re.fullmatch(r"\d", name[:1]):
            continue
        use.metrics.add(name)
    return use
