"""What a pass reads: its targets in chunks, each with the part of each series it judges.

Chunks keep a pass over the whole catalog within a bounded memory (a chunk's figures,
statuses and decisions, then the next); every target of a series is in the chunk of
its series, so a series is read once per pass.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
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


SeriesTargets = Mapping[tuple[str, str], Sequence[Target]]
"""Targets by the series (indicator, scope) they watch."""


def by_series(targets: Iterable[Target]) -> dict[tuple[str, str], list[Target]]:
    """`targets` grouped by the series they watch, in the order given."""
    grouped: dict[tuple[str, str], list[Target]] = defaultdict(list)
    for target in targets:
        grouped[(target.indicator, target.scope)].append(target)
    return dict(grouped)


def chunks(
    targets: SeriesTargets, indicators: Mapping[str, Indicator], *, now: datetime
) -> Iterator[Chunk]:
    """The series of `targets` ordered by where their reading starts (so a chunk reads
    in few statements), `SERIES_PER_CHUNK` series a chunk, each with its targets. The
    grouping is the caller's (`by_series`), which keeps it while its catalog lasts: a
    pass over 29,000 targets would otherwise group them again every minute."""
    unknown = sorted(
        {t.code for ts in targets.values() for t in ts if t.indicator not in indicators}
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

    # Sorted as plain tuples (probe, indicator, scope, since), compared in C; a series
    # appears once, so `since` is never compared.
    starts = []
    for (indicator, scope), series_targets in targets.items():
        since, lead = min(map(plan, series_targets))
        starts.append((since - lead, indicator, scope, since))
    starts.sort()
    reads = [SeriesRead(i, s, since=since, probe=probe) for probe, i, s, since in starts]
    for first in range(0, len(reads), SERIES_PER_CHUNK):
        part = reads[first : first + SERIES_PER_CHUNK]
        yield Chunk([t for r in part for t in targets[(r.indicator, r.scope)]], part)
