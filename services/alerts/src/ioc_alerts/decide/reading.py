"""What a pass reads: its targets in chunks, each with the part of each series it judges.

Chunks keep a pass over the whole catalog within a bounded memory (a chunk's figures,
statuses and decisions, then the next); every target of a series is in the chunk of
its series, so a series is read once per pass.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime

from ioc_alerts.adapters.alerts import SeriesRead
from ioc_alerts.domain.risk import reads_since
from ioc_contracts.catalog import Indicator, Target

SERIES_PER_CHUNK = 1000
"""Also the advisory locks one chunk's transaction holds: well within the server's
lock table (`max_locks_per_transaction` × connections)."""

PROBE_PERIODS = 2
"""How many reporting periods before `since` a read starts, to find the last figure
before it in the same statement; one missed report still finds it there."""


@dataclass(frozen=True, slots=True)
class Chunk:
    targets: list[Target]
    reads: list[SeriesRead]


def chunks(
    targets: Iterable[Target], indicators: Mapping[str, Indicator], *, now: datetime
) -> Iterator[Chunk]:
    """`targets` by series, the series ordered by where their reading starts (so a
    chunk reads in few statements), `SERIES_PER_CHUNK` series a chunk."""
    by_series: dict[tuple[str, str], list[Target]] = defaultdict(list)
    for target in targets:
        by_series[(target.indicator, target.scope)].append(target)
    unknown = sorted(
        {t.code for ts in by_series.values() for t in ts if t.indicator not in indicators}
    )
    if unknown:
        # As `evaluate_all` refuses them: before anything is judged or written.
        raise ValueError(f"targets on indicators missing from the catalog: {', '.join(unknown)}")
    reads = [
        _read(key, series_targets, indicators, now) for key, series_targets in by_series.items()
    ]
    reads.sort(key=lambda read: (read.probe, read.indicator, read.scope))
    for first in range(0, len(reads), SERIES_PER_CHUNK):
        part = reads[first : first + SERIES_PER_CHUNK]
        yield Chunk([t for r in part for t in by_series[(r.indicator, r.scope)]], part)


def _read(
    key: tuple[str, str],
    targets: list[Target],
    indicators: Mapping[str, Indicator],
    now: datetime,
) -> SeriesRead:
    indicator = indicators[key[0]]
    since = min(reads_since(target, indicator, now=now) for target in targets)
    return SeriesRead(*key, since=since, probe=since - PROBE_PERIODS * indicator.cadence.interval())
