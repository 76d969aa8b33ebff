"""Everything a notification shows, gathered before rendering so rendering stays pure.

The lifecycle builds one `AlertContext` per notification from the stored alert, the
catalog and the risk assessment; the renderers and channels only read it. Rates are
kept per day (the domain's unit); the renderers turn them into per-month figures,
which is how leaders talk about progress.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from ioc_contracts.catalog import TargetKind, Unit
from ioc_contracts.status import RiskStatus, Severity

Point = tuple[datetime, float]
"""One figure of a series: when it was true, and the value."""

Segment = tuple[Point, Point]
"""A straight line between two points (a pace line, a projection)."""


class NotificationKind(StrEnum):
    """Why this notification is being sent; wire values match the lifecycle's."""

    FIRING = "firing"
    CHANGED = "changed"
    REPEAT = "repeat"
    ESCALATION = "escalation"
    RESOLVED = "resolved"
    DIGEST = "digest"
    # A reporting-calendar reminder to an agency (ioc_alerts.reminders), about no alert.
    REMINDER = "reminder"


def _require_aware(instant: datetime | None, name: str) -> None:
    # A naive time would be shown in whatever zone the server runs in; refuse it here
    # so a wrong hour never reaches a leader.
    if instant is not None and (instant.tzinfo is None or instant.utcoffset() is None):
        raise ValueError(f"{name} must be timezone-aware, got {instant!r}")


@dataclass(frozen=True, slots=True)
class ChartData:
    """What the chart draws; every part is optional, so a chart degrades gracefully."""

    series: tuple[Point, ...] = ()
    target_value: float | None = None
    deadline: date | None = None
    required_pace: Segment | None = None
    """From the latest figure to (deadline, target): the pace the target needs."""
    projected_path: Segment | None = None
    """From the latest figure along the observed pace to the deadline."""

    def __post_init__(self) -> None:
        for at, _ in self.series:
            _require_aware(at, "series point")
        for segment in (self.required_pace, self.projected_path):
            for at, _ in segment or ():
                _require_aware(at, "segment point")

    @property
    def is_empty(self) -> bool:
        return not self.series


@dataclass(frozen=True, slots=True)
class AlertContext:
    """One target's situation, as told in one notification."""

    kind: NotificationKind
    target_code: str
    title_vi: str
    title_en: str
    indicator_name_vi: str
    indicator_name_en: str
    unit: Unit
    scope_code: str
    scope_name_vi: str
    scope_name_en: str
    status: RiskStatus
    severity: Severity
    current_value: float | None
    observed_at: datetime | None
    target_value: float | None
    deadline: date | None
    target_kind: TargetKind = TargetKind.DEADLINE
    required_rate: float | None = None
    """Units per day the target needs from now on; None when not meaningful."""
    observed_rate: float | None = None
    """Units per day the series has recently kept."""
    projected_value: float | None = None
    eta: date | None = None
    """The day the current pace reaches the target; None when it never does."""
    previous_status: RiskStatus | None = None
    fired_at: datetime | None = None
    escalation_level: int = 0
    grafana_url: str | None = None
    ack_url: str | None = None
    chart: ChartData = field(default_factory=ChartData)

    def __post_init__(self) -> None:
        _require_aware(self.observed_at, "observed_at")
        _require_aware(self.fired_at, "fired_at")
        if self.escalation_level < 0:
            raise ValueError("escalation_level must not be negative")

    def as_payload(self) -> dict[str, Any]:
        """The context as JSON-ready data (webhook bodies, logs): ISO dates, wire enums."""
        return {
            "kind": self.kind.value,
            "target": {
                "code": self.target_code,
                "kind": self.target_kind.value,
                "title_vi": self.title_vi,
                "title_en": self.title_en,
                "value": self.target_value,
                "deadline": _iso(self.deadline),
            },
            "indicator": {
                "name_vi": self.indicator_name_vi,
                "name_en": self.indicator_name_en,
                "unit": self.unit.value,
            },
            "scope": {
                "code": self.scope_code,
                "name_vi": self.scope_name_vi,
                "name_en": self.scope_name_en,
            },
            "status": self.status.value,
            "previous_status": self.previous_status.value if self.previous_status else None,
            "severity": self.severity.value,
            "current": {"value": self.current_value, "observed_at": _iso(self.observed_at)},
            "required_rate_per_day": self.required_rate,
            "observed_rate_per_day": self.observed_rate,
            "projected_value": self.projected_value,
            "eta": _iso(self.eta),
            "fired_at": _iso(self.fired_at),
            "escalation_level": self.escalation_level,
            "grafana_url": self.grafana_url,
            "ack_url": self.ack_url,
        }


def _iso(moment: date | None) -> str | None:
    return moment.isoformat() if moment is not None else None
