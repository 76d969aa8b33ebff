"""Evaluating many targets at once: what the scheduler and the series-updated handler run.

Pure: the caller loads targets, series and the statuses recorded last time, and
stores what comes back. Time passing alone changes results (a deadline nears, a series
goes quiet), which is why the scheduler re-runs this without any new figure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from ioc_alerts.domain.assessment import Assessment
from ioc_alerts.domain.dates import require_aware
from ioc_alerts.domain.hysteresis import settle
from ioc_alerts.domain.risk import assess
from ioc_alerts.domain.series import Observation, Series
from ioc_contracts.catalog import Indicator, Target
from ioc_contracts.status import RiskStatus
from ioc_contracts.topics import series_key

_NO_FIGURES = Series()


@dataclass(frozen=True, slots=True)
class TargetEvaluation:
    """One target's fresh assessment and the status to record after hysteresis.

    `status` can differ from `assessment.status` while a series hovers at a band edge.
    """

    target: Target
    assessment: Assessment
    previous: RiskStatus | None
    status: RiskStatus

    @property
    def changed(self) -> bool:
        """Whether the recorded status moves (a target's first status counts as a move)."""
        return self.status is not self.previous


def evaluate(
    target: Target,
    indicator: Indicator,
    series: Series | Iterable[Observation],
    previous: RiskStatus | None,
    *,
    now: datetime,
) -> TargetEvaluation:
    assessment = assess(target, indicator, series, now=now)
    return TargetEvaluation(target, assessment, previous, settle(previous, assessment))


def evaluate_all(
    targets: Iterable[Target],
    indicators_by_code: Mapping[str, Indicator],
    series_by_key: Mapping[str, Series | Sequence[Observation]],
    previous_statuses: Mapping[str, RiskStatus],
    *,
    now: datetime,
) -> list[TargetEvaluation]:
    """Evaluate every target, in the order given.

    `series_by_key` is keyed by `ioc_contracts.topics.series_key(indicator, scope)`; a
    missing series counts as one with no figures (stale). `previous_statuses` is keyed by
    target code. A target whose indicator is unknown is a catalog error: the catalog's
    loader refuses such a catalog, so this refuses it too, before judging anything.
    """
    now = require_aware(now)
    targets = list(targets)
    unknown = sorted({t.code for t in targets if t.indicator not in indicators_by_code})
    if unknown:
        raise ValueError(f"targets on indicators missing from the catalog: {', '.join(unknown)}")
    # Several targets often share a series (a deadline and a freshness target): sort
    # and slice each series once per pass.
    prepared: dict[str, Series] = {}
    evaluations = []
    for target in targets:
        key = series_key(target.indicator, target.scope)
        series = prepared.get(key)
        if series is None:
            series = Series.of(series_by_key.get(key, _NO_FIGURES)).as_of(now)
            prepared[key] = series
        evaluations.append(
            evaluate(
                target,
                indicators_by_code[target.indicator],
                series,
                previous_statuses.get(target.code),
                now=now,
            )
        )
    return evaluations
