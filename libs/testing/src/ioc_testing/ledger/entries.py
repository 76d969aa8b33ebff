"""What the ledger holds: every event sent, with the strongest answer any copy of it got."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any


class Outcome(StrEnum):
    ACKNOWLEDGED = "acknowledged"
    REJECTED = "rejected"
    INDETERMINATE = "indeterminate"


# When one event is sent more than once, the strongest answer settles it: one
# acknowledged copy means it must be stored; one unanswered copy means it may be.
_STRENGTH = {Outcome.REJECTED: 0, Outcome.INDETERMINATE: 1, Outcome.ACKNOWLEDGED: 2}


FigureKey = tuple[str, str, datetime]


@dataclass(frozen=True, slots=True)
class SentEvent:
    event_id: str
    agency: str
    value: float
    outcome: Outcome
    figure: FigureKey | None = None
    reported_at: datetime | None = None


class Ledger:
    """Every event sent, by event_id, with the strongest answer any copy of it got."""

    def __init__(self) -> None:
        self.entries: dict[str, SentEvent] = {}
        self.sends = 0

    def record(self, event: Mapping[str, Any], outcome: Outcome) -> None:
        self.sends += 1
        event_id = str(event["event_id"])
        previous = self.entries.get(event_id)
        if previous is not None and _STRENGTH[previous.outcome] >= _STRENGTH[outcome]:
            return
        self.entries[event_id] = SentEvent(
            event_id,
            str(event["agency"]),
            float(event["value"]),
            outcome,
            _figure_of(event),
            _instant(event.get("reported_at")),
        )

    def ids(self, *outcomes: Outcome) -> frozenset[str]:
        return frozenset(e.event_id for e in self.entries.values() if e.outcome in outcomes)

    def count(self, outcome: Outcome) -> int:
        return sum(1 for e in self.entries.values() if e.outcome is outcome)


def _instant(text: object) -> datetime | None:
    try:
        return datetime.fromisoformat(str(text)) if text is not None else None
    except ValueError:
        return None


def _figure_of(event: Mapping[str, Any]) -> FigureKey | None:
    at = _instant(event.get("observed_at"))
    if at is None or at.tzinfo is None:
        return None
    return (str(event.get("indicator")), str(event.get("scope")), at)
