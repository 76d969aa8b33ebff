"""Given a target's settled status and its open alert, decide what happens next.

One open alert per target: firing → acknowledged → resolved. A leader hears again
only when something changes (the status worsens or improves within the bad
bands), the alert escalates because nobody acknowledged it, a repeat interval
passes while it is still firing and unacknowledged, or it resolves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from ioc_alerts.messages.context import NotificationKind
from ioc_contracts.status import AlertState, RiskStatus

# Statuses that call for an alert; the others mean "nothing to tell a leader".
ALERTING: frozenset[RiskStatus] = frozenset(
    {
        RiskStatus.AT_RISK,
        RiskStatus.OFF_TRACK,
        RiskStatus.DETERIORATING,
        RiskStatus.MISSED,
        RiskStatus.STALE,
    }
)


@dataclass(frozen=True, slots=True)
class EscalationStep:
    level: int
    after: timedelta
    recipients: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class OpenAlert:
    """The parts of the stored open alert the decision depends on."""

    state: AlertState
    risk_status: RiskStatus
    escalation_level: int
    opened_at: datetime
    last_notified_at: datetime | None
    notified: frozenset[str]  # every recipient told about this alert so far


class Action(StrEnum):
    NOTHING = "nothing"
    OPEN = "open"
    UPDATE = "update"
    RESOLVE = "resolve"


@dataclass(frozen=True, slots=True)
class Notify:
    kind: NotificationKind
    level: int
    recipients: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Decision:
    action: Action
    escalation_level: int = 0
    notifications: tuple[Notify, ...] = field(default=())

    @property
    def notifies(self) -> bool:
        return bool(self.notifications)


_NOTHING = Decision(Action.NOTHING)


def decide(
    status: RiskStatus,
    alert: OpenAlert | None,
    steps: tuple[EscalationStep, ...],
    *,
    now: datetime,
    repeat_every: timedelta,
) -> Decision:
    first_level = steps[0] if steps else None
    if alert is None:
        if status not in ALERTING:
            return _NOTHING
        recipients = first_level.recipients if first_level else ()
        return Decision(
            Action.OPEN, 0, (Notify(NotificationKind.FIRING, 0, recipients),) if recipients else ()
        )
    if status not in ALERTING:
        told = tuple(sorted(alert.notified))
        return Decision(
            Action.RESOLVE,
            alert.escalation_level,
            (Notify(NotificationKind.RESOLVED, alert.escalation_level, told),) if told else (),
        )
    notifications: list[Notify] = []
    level = alert.escalation_level
    if alert.state is AlertState.FIRING:
        due = _due_level(steps, alert.opened_at, now)
        if due is not None and due.level > level:
            level = due.level
            notifications.append(Notify(NotificationKind.ESCALATION, level, due.recipients))
    if status is not alert.risk_status:
        told = tuple(sorted(alert.notified))
        if told:
            notifications.append(Notify(NotificationKind.CHANGED, level, told))
    elif (
        not notifications
        and alert.state is AlertState.FIRING
        and alert.last_notified_at is not None
        and now - alert.last_notified_at >= repeat_every
    ):
        told = tuple(sorted(alert.notified))
        if told:
            notifications.append(Notify(NotificationKind.REPEAT, level, told))
    return Decision(Action.UPDATE, level, tuple(notifications))


def _due_level(
    steps: tuple[EscalationStep, ...], opened_at: datetime, now: datetime
) -> EscalationStep | None:
    """The highest escalation step whose wait has passed since the alert opened."""
    due = [step for step in steps if opened_at + step.after <= now]
    return max(due, key=lambda step: step.level) if due else None
