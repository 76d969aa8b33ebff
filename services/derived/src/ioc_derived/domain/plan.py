"""What one change of a series asks of the derived indicators: which figures to
recompute, and whether the changed series is itself one a formula computes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from ioc_catalog.derivation import DerivedIndicator, SeriesRef, affected, period_of
from ioc_contracts.catalog import Alignment

_INSTANT = timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class Recompute:
    """One derived figure to compute again: `indicator` for `scope` at `at`."""

    indicator: DerivedIndicator
    scope: str
    at: datetime

    def window(self) -> tuple[datetime, datetime]:
        """The observed_at range [start, end) its input figures are read from."""
        if self.indicator.formula.alignment is Alignment.SAME_INSTANT:
            return self.at, self.at + _INSTANT
        return period_of(self.indicator.cadence, self.at)


def plan(
    derived: Sequence[DerivedIndicator], series: SeriesRef, moments: Iterable[datetime]
) -> list[Recompute]:
    """The derived figures that read `series` at any of `moments`, each once."""
    by_code = {indicator.code: indicator for indicator in derived}
    wanted: dict[tuple[str, str, datetime], Recompute] = {}
    for code, scope in affected(derived, series):
        for moment in moments:
            job = Recompute(by_code[code], scope, moment)
            key = (code, scope, job.window()[0])  # one job per period
            wanted.setdefault(key, job)
    return sorted(wanted.values(), key=lambda job: (job.indicator.code, job.scope, job.at))


def computed_by(derived: Sequence[DerivedIndicator], series: SeriesRef) -> DerivedIndicator | None:
    """The formula that computes `series`, if one does."""
    indicator, scope = series
    for candidate in derived:
        if candidate.code == indicator and scope in candidate.formula.scopes:
            return candidate
    return None
