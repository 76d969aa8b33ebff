"""The outcome of judging one target at one instant."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ioc_alerts.domain.bands import BandScale
from ioc_contracts.status import RiskStatus


@dataclass(frozen=True, slots=True)
class Assessment:
    """How a target stands, with the figures behind the verdict.

    Rates are in the indicator's units per day with their natural sign. `current_value`
    is the latest figure known at the time of the assessment, kept even when it is
    stale so a message can say what was last reported. `eta` is when the series, at
    its observed pace, reaches the target's value (None when it never does at this pace,
    or when nothing is left to reach). `position` places a graded status on `scale`;
    `settle` uses both to keep statuses from flapping.
    """

    status: RiskStatus
    reason_vi: str
    reason_en: str
    current_value: float | None = None
    current_at: datetime | None = None
    ratio: float | None = None
    observed_rate: float | None = None
    required_rate: float | None = None
    projected_value: float | None = None
    projected_at: datetime | None = None
    eta: datetime | None = None
    position: float | None = None
    scale: BandScale | None = None
