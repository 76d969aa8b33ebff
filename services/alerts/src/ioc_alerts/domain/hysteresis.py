"""Keeping a status from flapping when a series wobbles at a band edge.

Worse news travels at once: a status moves to a worse band as soon as its position
crosses the edge. Better news must be clear: moving to a better band needs the
position past that band's edge by the margin. Verdicts (achieved, missed, stale) are
facts about the figures, not positions near an edge, so moving into or out of one is
never delayed.
"""

from __future__ import annotations

from ioc_alerts.domain.assessment import Assessment
from ioc_alerts.domain.bands import is_better, is_graded
from ioc_contracts.status import RiskStatus


def settle(
    previous: RiskStatus | None, candidate: Assessment, *, margin: float | None = None
) -> RiskStatus:
    """The status to record, given the one recorded before and a fresh assessment.

    `margin` is in the units of the candidate's scale; None takes the scale's own
    (0.05 of R for deadline targets, a quarter of the at-risk margin for lines).
    """
    status = candidate.status
    if previous is None or previous is status:
        return status
    if not (is_graded(previous) and is_graded(status)) or not is_better(status, previous):
        return status
    if candidate.position is None or candidate.scale is None:
        return status
    scale = candidate.scale
    allowance = scale.hysteresis if margin is None else margin
    cleared = scale.band(candidate.position - allowance)
    # The position may clear a lesser improvement (off track to at risk) while falling
    # short of the one assessed (on track): take what it clears, never less than before.
    return cleared if is_better(cleared, previous) else previous
