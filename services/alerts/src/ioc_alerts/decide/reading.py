"""What a pass reads: its targets in chunks, each with the part of each series it judges.

Chunks keep a pass over the whole catalog within a bounded memory (a chunk's figures,
statuses and decisions, then the next); every target of a series is in the chunk of
its series, so a series is read once per pass.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from ioc_alerts.adapters.alerts import SeriesRead
from ioc_alerts.domain.risk import reads_since
from ioc_contracts.catalog import Cadence, Indicator, Target, TargetKind

SERIES_PER_CHUNK = 1000
"""About as many targets, whose advisory locks one chunk's transaction holds: well
within the server's lock table (`max_locks_per_transaction` × connections)."""

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
    # What a target reads depends on its kind, deadline and cadence alone: worked out
    # once for each of the few combinations, not for each of 29,000 targets.
    plans: dict[tuple[TargetKind, date | None, Cadence], tuple[datetime, timedelta]] = {}

    def plan(target: Target) -> tuple[datetime, timedelta]:
        indicator = indicators[target.indicator]
        key = (target.kind, target.deadline, indicator.cadence)
        if key not in plans:
            since = reads_since(target, indicator, now=now)
            plans[key] = since, PROBE_PERIODS * indicator.cadence.interval()
        return plans[key]

    reads = []
    for (indicator, scope), series_targets in by_series.items():
        since, lead = min(plan(target) for target in series_targets)
        reads.append(SeriesRead(indicator, scope, since=since, probe=since - lead))
    reads.sort(key=lambda read: (read.probe, read.indicator, read.scope))
    for first in range(0, len(reads), SERIES_PER_CHUNK):
        part = reads[first : first + SERIES_PER_CHUNK]
        yield Chunk([t for r in part for t in by_series[(r.indicator, r.scope)]], part)
