"""`SqlExpander`: a panel's raw SQL turned into the SQL Grafana's PostgreSQL data source
sends to TimescaleDB. It follows Grafana 12's code (public/app/features/plugins/sql for
variables, pkg/tsdb/sqleng and pkg/tsdb/grafana-postgresql-datasource/macros.go for
macros), in Grafana's order:

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
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .grafana_time import ExpansionError, interval_text, parse_duration, rfc3339


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
