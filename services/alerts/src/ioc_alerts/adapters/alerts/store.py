"""The decide flow's writes: statuses, alerts and the notifications a decision asks for.

Everything one decision changes is written in one transaction: the target's
status, the alert row, the notifications to send and the state change to
publish. The deliver flow and the state-change publisher pick those up afterwards,
so a crash after the commit loses nothing and a restart decides nothing twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from ioc_alerts.adapters.alerts.state_changes import record_change
from ioc_alerts.domain.evaluation import TargetEvaluation
from ioc_alerts.lifecycle.decisions import Action, Decision, OpenAlert
from ioc_alerts.lifecycle.quiet_hours import VIETNAM
from ioc_alerts.lifecycle.routing import Delivery, channels_of
from ioc_contracts import AlertStateChanged
from ioc_contracts.catalog import Recipient, Target
from ioc_contracts.status import AlertState, RiskStatus
from ioc_storage.connection import Connection


@dataclass(frozen=True, slots=True)
class StoredAlert:
    id: uuid.UUID
    open: OpenAlert


async def previous_statuses(connection: Connection, codes: Iterable[str]) -> dict[str, RiskStatus]:
    rows = await connection.fetch(
        "SELECT target, status FROM ioc.target_status WHERE target = ANY($1)", list(codes)
    )
    return {row["target"]: RiskStatus(row["status"]) for row in rows}


async def lock_target(connection: Connection, code: str) -> None:
    """Serialises decisions about one target across evaluators and replicas."""
    await connection.execute("SELECT pg_advisory_xact_lock(hashtext('ioc-target:' || $1))", code)


async def open_alert(connection: Connection, code: str) -> StoredAlert | None:
    row = await connection.fetchrow(
        "SELECT * FROM ioc.alerts WHERE target = $1 AND state <> 'resolved'", code
    )
    if row is None:
        return None
    # Told means delivered: a notification suppressed by a silence, held by quiet hours
    # or failed never reached the person, who is then not sent "resolved" either.
    told = await connection.fetch(
        "SELECT DISTINCT recipient FROM ioc.notifications "
        "WHERE alert_id = $1 AND recipient IS NOT NULL AND status = 'sent'",
        row["id"],
    )
    return StoredAlert(
        row["id"],
        OpenAlert(
            state=AlertState(row["state"]),
            risk_status=RiskStatus(row["risk_status"]),
            escalation_level=row["escalation_level"],
            opened_at=row["opened_at"],
            last_notified_at=row["last_notified_at"],
            notified=frozenset(r["recipient"] for r in told),
        ),
    )


async def record_status(
    connection: Connection, evaluation: TargetEvaluation, now: datetime
) -> None:
    a = evaluation.assessment
    await connection.execute(
        """
        INSERT INTO ioc.target_status (target, status, ratio, observed_rate, required_rate,
            current_value, current_at, projected_value, eta, reason_vi, reason_en, evaluated_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
        ON CONFLICT (target) DO UPDATE SET status = EXCLUDED.status, ratio = EXCLUDED.ratio,
            observed_rate = EXCLUDED.observed_rate, required_rate = EXCLUDED.required_rate,
            current_value = EXCLUDED.current_value, current_at = EXCLUDED.current_at,
            projected_value = EXCLUDED.projected_value, eta = EXCLUDED.eta,
            reason_vi = EXCLUDED.reason_vi, reason_en = EXCLUDED.reason_en,
            evaluated_at = EXCLUDED.evaluated_at
        """,
        evaluation.target.code,
        evaluation.status.value,
        a.ratio,
        a.observed_rate,
        a.required_rate,
        a.current_value,
        a.current_at,
        a.projected_value,
        a.eta.astimezone(VIETNAM).date() if a.eta else None,
        a.reason_vi,
        a.reason_en,
        now,
    )


async def _silenced(connection: Connection, target: Target, now: datetime) -> bool:
    return bool(
        await connection.fetchval(
            """
            SELECT EXISTS (SELECT 1 FROM ioc.silences
                WHERE starts_at <= $1 AND ends_at > $1
                  AND (target IS NULL OR target = $2)
                  AND (indicator IS NULL OR indicator = $3)
                  AND (scope IS NULL OR scope = $4))
            """,
            now,
            target.code,
            target.indicator,
            target.scope,
        )
    )


async def apply_decision(
    connection: Connection,
    *,
    evaluation: TargetEvaluation,
    stored: StoredAlert | None,
    decision: Decision,
    recipients: dict[str, Recipient],
    delivery: Delivery,
    now: datetime,
) -> uuid.UUID | None:
    """Writes one decision; returns the id of the alert it concerns, if any."""
    target = evaluation.target
    current = evaluation.assessment.current_value
    if decision.action is Action.NOTHING:
        return None
    if decision.action is Action.OPEN:
        alert_id = uuid.uuid4()
        await connection.execute(
            "INSERT INTO ioc.alerts (id, target, state, risk_status, severity, current_value, "
            "opened_at, updated_at) VALUES ($1, $2, 'firing', $3, $4, $5, $6, $6)",
            alert_id,
            target.code,
            evaluation.status.value,
            target.severity.value,
            current,
            now,
        )
        change = _change(alert_id, evaluation, AlertState.FIRING, previous=None, now=now)
        await record_change(connection, change)
    else:
        assert stored is not None
        alert_id = stored.id
        if decision.action is Action.RESOLVE:
            await connection.execute(
                "UPDATE ioc.alerts SET state = 'resolved', resolved_at = $2, risk_status = $3, "
                "current_value = $4, updated_at = $2 WHERE id = $1",
                alert_id,
                now,
                evaluation.status.value,
                current,
            )
            change = _change(
                alert_id, evaluation, AlertState.RESOLVED, previous=stored.open.state, now=now
            )
            await record_change(connection, change)
        else:
            await connection.execute(
                "UPDATE ioc.alerts SET risk_status = $2, current_value = $3, "
                "escalation_level = $4, updated_at = $5 WHERE id = $1",
                alert_id,
                evaluation.status.value,
                current,
                decision.escalation_level,
                now,
            )
    if decision.notifications:
        await _notify(connection, alert_id, target, decision, recipients, delivery, now)
    return alert_id


async def _notify(
    connection: Connection,
    alert_id: uuid.UUID,
    target: Target,
    decision: Decision,
    recipients: dict[str, Recipient],
    delivery: Delivery,
    now: datetime,
) -> None:
    silenced = await _silenced(connection, target, now)
    release = delivery.quiet_hours.release_time(now, target.severity)
    stamp = now.isoformat()
    rows: list[tuple[str, str | None, str, str]] = []
    for note in decision.notifications:
        # The decision's time makes the key unique per decision; the same decision
        # cannot be taken twice, because it is stored with the state it changed.
        base = f"{alert_id}:{note.kind.value}:{note.level}:{stamp}"
        for person in note.recipients:
            recipient = recipients.get(person)
            if recipient is None:
                continue
            for channel in channels_of(recipient):
                rows.append((note.kind.value, person, channel, f"{base}:{person}:{channel}"))
        if delivery.webhook_enabled:
            rows.append((note.kind.value, None, "webhook", f"{base}:webhook"))
    status = "suppressed" if silenced else "pending"
    await connection.executemany(
        "INSERT INTO ioc.notifications (id, alert_id, recipient, channel, kind, status, "
        "dedup_key, next_attempt_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
        "ON CONFLICT (dedup_key) DO NOTHING",
        [
            (uuid.uuid4(), alert_id, person, channel, kind, status, key, release, now)
            for kind, person, channel, key in rows
        ],
    )
    await connection.execute(
        "UPDATE ioc.alerts SET last_notified_at = $2 WHERE id = $1", alert_id, now
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
