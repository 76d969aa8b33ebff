"""The Grafana emulation the SQL tests rely on: macro and variable expansion as Grafana's
PostgreSQL data source writes it, and Grafana's interval rounding."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from .grafana_sql import Chosen, QueryWindow, SqlExpander
from .grafana_time import (
    ExpansionError,
    grafana_interval,
    interval_text,
    relative_time,
    round_interval,
)


def test_the_expander_writes_what_grafanas_postgres_macros_write() -> None:
    start = datetime(2023, 6, 1, 0, 0, tzinfo=UTC)
    end = datetime(2023, 6, 2, 12, 30, 15, 120_000, tzinfo=UTC)
    window = QueryWindow(start, end, timedelta(hours=1))
    chosen = {
        "one": Chosen(("it's",), multi_or_all=False),
        "many": Chosen(("a", "b'c"), multi_or_all=True),
    }
    expand = SqlExpander(window, chosen).expand
    assert (
        expand("$__timeFilter(t)")
        == "t BETWEEN '2023-06-01T00:00:00Z' AND '2023-06-02T12:30:15.12Z'"
    )
    assert expand("$__timeGroupAlias(t, $__interval)") == "time_bucket('3600.000s',t) AS \"time\""
    assert (
        expand("SELECT $__timeGroup(t, '5m'), x")
        == "SELECT time_bucket('300.000s',t) AS \"time\", x"
    )
    assert expand("$__timeGroup(t, 1d, 0)") == "time_bucket('86400.000s',t)"
    assert expand("'$__interval'::interval, $__interval_ms") == "'1h'::interval, 3600000"
    assert expand("$__unixEpochFrom()") == str(int(start.timestamp()))
    assert expand("= '$one' OR x IN ($many)") == "= 'it''s' OR x IN ('a','b''c')"
    assert expand("ARRAY[${many:sqlstring}] ${one:sqlstring}") == "ARRAY['a','b''c'] 'it''s'"
    assert (
        expand("ARRAY[${none:sqlstring}]::text[]".replace("none", "many"))
        == "ARRAY['a','b''c']::text[]"
    )
    for unknown in ("$nope", "${many:csv}", "$__timeShift(t)", "$__range"):
        with pytest.raises(ExpansionError):
            expand(unknown)
    assert SqlExpander(window, {"e": Chosen((), True)}).expand("ARRAY[${e:sqlstring}]") == "ARRAY[]"


def test_the_interval_follows_grafanas_rounding() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    minute = timedelta(minutes=1)
    assert (
        interval_text(
            grafana_interval(now - timedelta(hours=6), now, max_data_points=1000, minimum=minute)
        )
        == "1m"
    )
    five_years = relative_time("now-5y", now)
    assert (
        interval_text(grafana_interval(five_years, now, max_data_points=1000, minimum=minute))
        == "1d"
    )
    assert interval_text(timedelta(weeks=1)) == "7d"
    assert round_interval(timedelta(days=40)) == timedelta(days=30)
