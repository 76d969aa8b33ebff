"""Graded statuses as bands on a number, so that hysteresis can reason about edges.

Achieved, missed and stale are verdicts, not bands: nothing about them sits "near an
edge", so they are never delayed. The other four are ordered, best first, and each
kind of target places its series on a scale whose edges say where the bands meet.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ioc_contracts.status import RiskStatus

GRADED: tuple[RiskStatus, ...] = (
    RiskStatus.ON_TRACK,
    RiskStatus.AT_RISK,
    RiskStatus.OFF_TRACK,
    RiskStatus.DETERIORATING,
)
VERDICTS = frozenset({RiskStatus.ACHIEVED, RiskStatus.MISSED, RiskStatus.STALE})
_RANK = {status: len(GRADED) - index for index, status in enumerate(GRADED)}


def is_graded(status: RiskStatus) -> bool:
    return status in _RANK


def is_better(status: RiskStatus, than: RiskStatus) -> bool:
    """Whether one graded status is a better band than another."""
    return _RANK[status] > _RANK[than]


@dataclass(frozen=True, slots=True)
class BandScale:
    """Lower edges of the on-track, at-risk and off-track bands; below is deteriorating.

    `hysteresis` is how far past an edge a position must be before the status moves
    to the better band, in the scale's own units.
    """

    name: str
    on_track: float
    at_risk: float
    off_track: float
    hysteresis: float

    def band(self, position: float) -> RiskStatus:
        if position >= self.on_track:
            return RiskStatus.ON_TRACK
        if position >= self.at_risk:
            return RiskStatus.AT_RISK
        if position >= self.off_track:
            return RiskStatus.OFF_TRACK
        return RiskStatus.DETERIORATING


# Deadline targets: the position is R = observed rate / required rate (DESIGN.md).
# With 0.05, a target at risk is called on track again only at R >= 1.0, a pace that
# really lands on the target, and off track becomes at risk only at R >= 0.65.
PACE_SCALE = BandScale(
    name="pace ratio", on_track=0.95, at_risk=0.60, off_track=0.0, hysteresis=0.05
)

# Floor, ceiling and rank targets: the position is the headroom to the line in units of
# the at-risk margin (see `thresholds`). A breach is off track however deep, so there
# is no deteriorating band; a quarter margin keeps a series hovering at the line from
# alerting and resolving on every report.
THRESHOLD_SCALE = BandScale(
    name="headroom in margins", on_track=1.0, at_risk=0.0, off_track=-math.inf, hysteresis=0.25
)
