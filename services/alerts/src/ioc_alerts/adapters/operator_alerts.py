"""What operators and leaders do to alerts: list the open ones, acknowledge one.

An acknowledgement and its audit record are written in one transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

import asyncpg

from ioc_alerts.adapters import store
from ioc_storage.audit import Actor, AuditAction, AuditRecord, record_audit


@dataclass(frozen=True, slots=True, kw_only=True)
class AlertRecord:
    id: uuid.UUID
    target: str
    state: str
    risk_status: str
    severity: str
    escalation_level: int
    current_value: float | None
    opened_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    resolved_at: datetime | None
    last_notified_at: datetime | None
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Acknowledgement:
    changed: bool
    """True when this call acknowledged it; False when it already was (or is resolved)."""
    alert: AlertRecord | None
    """None when there is no such alert."""


def _alert(row: asyncpg.Record | dict[str, Any]) -> AlertRecord:
    return AlertRecord(**{field.name: row[field.name] for field in fields(AlertRecord)})


async def open_alerts(connection: asyncpg.Connection) -> list[AlertRecord]:
    rows = await connection.fetch(
        "SELECT id, target, state, risk_status, severity, escalation_level, current_value, opened_at, acknowledged_at, acknowledged_by, resolved_at, last_notified_at, updated_at FROM ioc.alerts WHERE state <> 'resolved' ORDER BY opened_at, id"
    )
    return [_alert(row) for row in rows]


async def acknowledge(
    connection: asyncpg.Connection,
    alert_id: uuid.UUID,
    *,
    by: str,
    actor: Actor,
    now: datetime,
    detail: dict[str, Any] | None = None,
    remote_addr: str | None = None,
) -> Acknowledgement:
    """Acknowledges a firing alert once, recording `actor` in the audit log when it does."""
    async with connection.transaction():
        changed, row = await store.acknowledge(connection, alert_id, by=by, now=now)
        if changed:
            await record_audit(
                connection,
                AuditRecord(
                    actor=actor,
                    action=AuditAction.ALERT_ACKNOWLEDGE,
                    subject=str(alert_id),
                    detail={"target": row["target"] if row else None, **(detail or {})},
                    remote_addr=remote_addr,
                ),
            )
    return Acknowledgement(changed=changed, alert=_alert(row) if row is not None else None)
