"""The decide flow's writes of decisions: alerts, their notifications, their state changes.

Written for many targets at once, in the caller's transaction (with the statuses the
decisions follow from): one statement per kind of write, each row in target order, so
state changes are published in the order they were decided.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from ioc_alerts.adapters.alerts.state_changes import record_changes
from ioc_alerts.adapters.alerts.store import StoredAlert
from ioc_alerts.domain.evaluation import TargetEvaluation
from ioc_alerts.lifecycle.decisions import Action, Decision
from ioc_alerts.lifecycle.routing import Delivery, channels_of
from ioc_contracts import AlertStateChanged
from ioc_contracts.catalog import Recipient, Target
from ioc_contracts.status import AlertState
from ioc_storage.connection import Connection

_OPEN = (
    "INSERT INTO ioc.alerts (id, target, state, risk_status, severity, current_value, "
    "opened_at, updated_at) VALUES ($1, $2, 'firing', $3, $4, $5, $6, $6)"
)
_RESOLVE = (
    "UPDATE ioc.alerts SET state = 'resolved', resolved_at = $2, risk_status = $3, "
    "current_value = $4, updated_at = $2 WHERE id = $1"
)
_UPDATE = (
    "UPDATE ioc.alerts SET risk_status = $2, current_value = $3, escalation_level = $4, "
    "updated_at = $5 WHERE id = $1"
)
_NOTIFY = (
    "INSERT INTO ioc.notifications (id, alert_id, recipient, channel, kind, status, "
    "dedup_key, next_attempt_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
    "ON CONFLICT (dedup_key) DO NOTHING"
)
_SILENCES = (
    "SELECT target, indicator, scope FROM ioc.silences WHERE starts_at <= $1 AND ends_at > $1"
)


@dataclass(frozen=True, slots=True)
class Decided:
    """A target's evaluation, its open alert as read under the target's lock, and what
    was decided about it."""

    evaluation: TargetEvaluation
    stored: StoredAlert | None
    decision: Decision

    @property
    def changes_something(self) -> bool:
        """Whether the decision changes what is stored or tells anyone. Most passes
        find an open alert as it was (an update to nothing new): its row, its
        `updated_at`, the decision count and the log are then left alone."""
        action = self.decision.action
        if action is not Action.UPDATE:
            return action is not Action.NOTHING
        stored = self.stored
        assert stored is not None  # only an open alert is updated
        return bool(self.decision.notifications) or (
            self.evaluation.status,
            self.evaluation.assessment.current_value,
            self.decision.escalation_level,
        ) != (stored.open.risk_status, stored.current_value, stored.open.escalation_level)


@dataclass(frozen=True, slots=True)
class _Silence:
    target: str | None
    indicator: str | None
    scope: str | None

    def covers(self, target: Target) -> bool:
        return (
            self.target in (None, target.code)
            and self.indicator in (None, target.indicator)
            and self.scope in (None, target.scope)
        )


async def apply_decisions(
    connection: Connection,
    decided: Sequence[Decided],
    *,
    recipients: dict[str, Recipient],
    delivery: Delivery,
    now: datetime,
) -> None:
    opened: list[tuple[object, ...]] = []
    resolved: list[tuple[object, ...]] = []
    updated: list[tuple[object, ...]] = []
    changes: list[AlertStateChanged] = []
    notified: list[tuple[uuid.UUID, Decided]] = []
    for item in decided:
        evaluation, decision = item.evaluation, item.decision
        status, current = evaluation.status.value, evaluation.assessment.current_value
        if decision.action is Action.NOTHING:
            continue
        if decision.action is Action.OPEN:
            alert_id = uuid.uuid4()
            target = evaluation.target
            opened.append((alert_id, target.code, status, target.severity.value, current, now))
            changes.append(_change(alert_id, evaluation, AlertState.FIRING, previous=None, now=now))
        else:
            assert item.stored is not None  # only an open alert is updated or resolved
            alert_id = item.stored.id
            if decision.action is Action.RESOLVE:
                resolved.append((alert_id, now, status, current))
                was = item.stored.open.state
                changes.append(
                    _change(alert_id, evaluation, AlertState.RESOLVED, previous=was, now=now)
                )
            elif item.changes_something:
                updated.append((alert_id, status, current, decision.escalation_level, now))
        if decision.notifications:
            notified.append((alert_id, item))
    for statement, rows in ((_OPEN, opened), (_RESOLVE, resolved), (_UPDATE, updated)):
        if rows:
            await connection.executemany(statement, rows)
    await record_changes(connection, changes)
    if notified:
        await _notify(connection, notified, recipients, delivery, now)


async def _notify(
    connection: Connection,
    notified: list[tuple[uuid.UUID, Decided]],
    recipients: dict[str, Recipient],
    delivery: Delivery,
    now: datetime,
) -> None:
    silences = [_Silence(*row) for row in await connection.fetch(_SILENCES, now)]
    stamp = now.isoformat()
    rows: list[tuple[object, ...]] = []
    for alert_id, item in notified:
        target = item.evaluation.target
        status = "suppressed" if any(s.covers(target) for s in silences) else "pending"
        release = delivery.quiet_hours.release_time(now, target.severity)
        for note in item.decision.notifications:
            # The decision's time makes the key unique per decision; the same decision
            # cannot be taken twice, because it is stored with the state it changed.
            base = f"{alert_id}:{note.kind.value}:{note.level}:{stamp}"
            addressed: list[tuple[str | None, str, str]] = []
            for person in note.recipients:
                recipient = recipients.get(person)
                if recipient is None:
                    continue
                for channel in channels_of(recipient):
                    addressed.append((person, channel, f"{base}:{person}:{channel}"))
            if delivery.webhook_enabled:
                addressed.append((None, "webhook", f"{base}:webhook"))
            kind = note.kind.value
            rows.extend(
                (uuid.uuid4(), alert_id, person, channel, kind, status, key, release, now)
                for person, channel, key in addressed
            )
    if rows:
        await connection.executemany(_NOTIFY, rows)
    await connection.executemany(
        "UPDATE ioc.alerts SET last_notified_at = $2 WHERE id = $1",
        [(alert_id, now) for alert_id, _ in notified],
    )


def _change(
    alert_id: uuid.UUID,
    evaluation: TargetEvaluation,
    state: AlertState,
    *,
    previous: AlertState | None,
    now: datetime,
) -> AlertStateChanged:
    target = evaluation.target
    return AlertStateChanged(
        alert_id=alert_id,
        target_id=target.code,
        indicator=target.indicator,
        scope=target.scope,
        state=state,
        previous_state=previous,
        risk_status=evaluation.status,
        severity=target.severity,
        current_value=evaluation.assessment.current_value,
        changed_at=now,
        summary_vi=evaluation.assessment.reason_vi,
        summary_en=evaluation.assessment.reason_en,
    )
