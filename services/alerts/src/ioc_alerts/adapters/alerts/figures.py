"""The figures a pass judges its targets on, read for many series at once.

A pass reads, per series, only what its targets' judgement reads (`SeriesRead`): the
figures of record from `since` to the instant judged, and the last one before `since`.
Series sharing a `probe` are read in one statement whose time bounds are the same for
all, so TimescaleDB leaves out every chunk outside them once per statement (bounds
that vary per series are checked per series and chunk, a hundred times slower). The
last figure before `since` is almost always found between `probe` and `since`; only a
series silent there is looked up further back, in a second statement.

Flagged figures are held for an operator's review and never judged on; each instant
has one figure of record, the newest revision (`ioc.figures`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from ioc_alerts.domain.series import Series
from ioc_contracts.topics import series_key
from ioc_storage.connection import Connection

# Per series, its figures in order, as parallel arrays: one row per series, not per
# figure, and no timestamps to decode (POSIX seconds are what `Series` keeps). Over a
# short span each series is read through its own index range, already in order.
_FROM_PROBE = """
SELECT s.indicator, s.scope, w.seconds, w.figures
FROM unnest($1::text[], $2::text[]) AS s(indicator, scope)
CROSS JOIN LATERAL (
    SELECT array_agg(extract(epoch FROM r.observed_at)::float8) AS seconds,
           array_agg(r.value) AS figures
    FROM (SELECT f.observed_at, f.value FROM ioc.figures f
          WHERE f.indicator = s.indicator AND f.scope = s.scope
            AND f.observed_at >= $3 AND f.observed_at <= $4
            AND f.quality_flags = '[]'::jsonb
          ORDER BY f.observed_at) AS r
) AS w
WHERE w.seconds IS NOT NULL
"""
# Over a long span that costs one index probe per series and chunk (a yearly series
# spans every chunk): one scan per chunk for all the indicators is cheaper. It returns
# every scope of those indicators named; the caller keeps the series it asked for.
_FROM_PROBE_SPANNING = """
SELECT f.indicator, f.scope,
       array_agg(extract(epoch FROM f.observed_at)::float8 ORDER BY f.observed_at) AS seconds,
       array_agg(f.value ORDER BY f.observed_at) AS figures
FROM ioc.figures f
WHERE f.indicator = ANY($1::text[]) AND f.scope = ANY($2::text[])
  AND f.observed_at >= $3 AND f.observed_at <= $4 AND f.quality_flags = '[]'::jsonb
GROUP BY f.indicator, f.scope
"""
SPANNING = timedelta(days=120)
"""From this span on, a group of series is read by `_FROM_PROBE_SPANNING`."""

_BEFORE_PROBE = """
SELECT s.indicator, s.scope, extract(epoch FROM p.observed_at)::float8 AS second, p.value
FROM unnest($1::text[], $2::text[]) AS s(indicator, scope)
CROSS JOIN LATERAL (
    SELECT f.observed_at, f.value FROM ioc.figures f
    WHERE f.indicator = s.indicator AND f.scope = s.scope
      AND f.observed_at < $3 AND f.observed_at >= $4 AND f.quality_flags = '[]'::jsonb
    ORDER BY f.observed_at DESC LIMIT 1
) AS p
"""


@dataclass(frozen=True, slots=True)
class SeriesRead:
    """What a judgement needs of one series: its figures from `since` on and the last
    figure before; `probe` (at or before `since`) is where the reading starts."""

    indicator: str
    scope: str
    since: datetime
    probe: datetime


async def load_judged_series(
    connection: Connection,
    reads: Iterable[SeriesRead],
    *,
    until: datetime,
    oldest: datetime,
) -> dict[str, Series]:
    """The series of `reads` (keyed by `series_key`) as far as their judgement at `until`
    reads them, no figure older than `oldest`; a series with no figure is left out."""
    by_probe: dict[datetime, list[SeriesRead]] = defaultdict(list)
    for read in reads:
        by_probe[max(read.probe, oldest)].append(read)
    found: dict[str, Series] = {}
    for probe, group in by_probe.items():
        wanted = {series_key(r.indicator, r.scope) for r in group}
        if until - probe < SPANNING:
            arguments = [r.indicator for r in group], [r.scope for r in group]
            rows = await connection.fetch(_FROM_PROBE, *arguments, probe, until)
        else:
            arguments = sorted({r.indicator for r in group}), sorted({r.scope for r in group})
            rows = await connection.fetch(_FROM_PROBE_SPANNING, *arguments, probe, until)
        for row in rows:
            key = series_key(row["indicator"], row["scope"])
            if key in wanted:
                found[key] = Series.from_columns(row["seconds"], row["figures"])
        silent = [
            r for r in group if _needs_earlier(found.get(series_key(r.indicator, r.scope)), r)
        ]
        if silent and probe > oldest:
            await _add_earlier(connection, silent, found, before=probe, oldest=oldest)
    return found


def _needs_earlier(series: Series | None, read: SeriesRead) -> bool:
    """Whether the last figure before `since` may lie before the probe."""
    return series is None or series.seconds[0] >= read.since.timestamp()


async def _add_earlier(
    connection: Connection,
    reads: list[SeriesRead],
    found: dict[str, Series],
    *,
    before: datetime,
    oldest: datetime,
) -> None:
    rows = await connection.fetch(
        _BEFORE_PROBE, [r.indicator for r in reads], [r.scope for r in reads], before, oldest
    )
    for row in rows:
        key = series_key(row["indicator"], row["scope"])
        later = found.get(key)
        seconds, values = (later.seconds, later.values) if later is not None else ((), ())
        found[key] = Series.from_columns((row["second"], *seconds), (row["value"], *values))
