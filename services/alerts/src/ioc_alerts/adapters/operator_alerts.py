"""What operators and leaders do to alerts: list the open ones, acknowledge one.

An acknowledgement and its audit record are written in one transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ioc_alerts.adapters import operations
from ioc_alerts.adapters.operations import AlertRecord
from ioc_storage.audit import Actor, AuditAction, AuditRecord, record_audit
from ioc_storage.connection import Connection

__all__ = ["Acknowledgement", "AlertRecord", "acknowledge", "open_alerts"]


@dataclass(frozen=True, slots=True)
class Acknowledgement:
    changed: bool
    """True when this call acknowledged it; False when it already was (or is resolved)."""
    alert: AlertRecord | None
    """None when there is no such alert."""


async def open_alerts(connection: Connection) -> list[AlertRecord]:
    return await operations.open_alerts(connection)


async def acknowledge(
    connection: Connection,
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
        changed, alert = await operations.acknowledge(connection, alert_id, by=by, now=now)
        if changed:
            await record_audit(
                connection,
                AuditRecord(
                    actor=actor,
                    action=AuditAction.ALERT_ACKNOWLEDGE,
                    subject=str(alert_id),
                    detail={"target": alert.target if alert else None, **(detail or {})},
                    remote_addr=remote_addr,
                ),
            )
    return Acknowledgement(changed=changed, alert=alert)
