"""The operators' and leaders' edge (the HTTP routes): alerts and acknowledgements.

Silences are in `silences`; the audited acknowledgement in `operator_alerts`.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

import asyncpg

from ioc_alerts.adapters.alerts import lock_target, record_change
from ioc_contracts import AlertStateChanged
from ioc_contracts.status import AlertState, RiskStatus, Severity
from ioc_storage.connection import Connection


@dataclass(frozen=True, slots=True)
class AlertRecord:
    """An alert as stored: every column of `ioc.alerts`, in its order."""

    id: uuid.UUID
    target: str
    state: AlertState
    risk_status: RiskStatus
    severity: Severity
    escalation_level: int
    current_value: float | None
    opened_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    resolved_at: datetime | None
    last_notified_at: datetime | None
    updated_at: datetime

    @classmethod
    def of(cls, row: asyncpg.Record) -> AlertRecord:
        columns = dict(row.items())
        return cls(
            **{
                **columns,
                "state": AlertState(row["state"]),
                "risk_status": RiskStatus(row["risk_status"]),
                "severity": Severity(row["severity"]),
            }
        )

    def as_json(self) -> dict[str, Any]:
        """The alert as the API shows it: the id as text, the rest as stored."""
        shown = asdict(self)
        shown["id"] = str(self.id)
        for name in ("state", "risk_status", "severity"):
            shown[name] = str(shown[name])
        return shown


async def target_title(connection: Connection, target: str) -> str:
    title: str | None = await connection.fetchval(
        "SELECT title_vi FROM ioc.targets WHERE code = $1", target
    )
    return title or target


async def find_alert(connection: Connection, alert_id: uuid.UUID) -> AlertRecord | None:
    row = await connection.fetchrow("SELECT * FROM ioc.alerts WHERE id = $1", alert_id)
    return AlertRecord.of(row) if row is not None else None


async def open_alerts(connection: Connection) -> list[AlertRecord]:
    rows = await connection.fetch(
        "SELECT * FROM ioc.alerts WHERE state <> 'resolved' ORDER BY opened_at"
    )
    return [AlertRecord.of(row) for row in rows]


async def acknowledge(
    connection: Connection, alert_id: uuid.UUID, *, by: str, now: datetime
) -> tuple[bool, AlertRecord | None]:
    """Acknowledges a firing alert once; returns (changed now, the alert).

    Takes the target's lock first, as the evaluator does for every decision: an
    escalation being decided waits for the acknowledgement or sees it, and an
    acknowledgement waits for a decision in progress, so an escalation decided "just
    before" the ack cannot be written after it.
    """
    async with connection.transaction():
        target = await connection.fetchval("SELECT target FROM ioc.alerts WHERE id = $1", alert_id)
        if target is None:
            return False, None
        await lock_target(connection, target)
        row = await connection.fetchrow(
            "SELECT * FROM ioc.alerts WHERE id = $1 FOR UPDATE", alert_id
        )
        if row is None or row["state"] != AlertState.FIRING:
            return False, AlertRecord.of(row) if row is not None else None
        changed = await connection.fetchrow(
            "UPDATE ioc.alerts SET state = 'acknowledged', acknowledged_at = $2, "
            "acknowledged_by = $3, updated_at = $2 WHERE id = $1 RETURNING *",
            alert_id,
            now,
            by,
        )
        assert changed is not None  # the row is locked above
        updated = AlertRecord.of(changed)
        series = await connection.fetchrow(
            "SELECT indicator, scope FROM ioc.targets WHERE code = $1", updated.target
        )
        assert series is not None  # an alert's target is in the catalog (foreign key)
        change = AlertStateChanged(
            alert_id=alert_id,
            target_id=updated.target,
            indicator=series["indicator"],
            scope=series["scope"],
            state=AlertState.ACKNOWLEDGED,
            previous_state=AlertState.FIRING,
            risk_status=updated.risk_status,
            severity=updated.severity,
            current_value=updated.current_value,
            changed_at=now,
            changed_by=by,
            summary_vi=f"Cảnh báo đã được xác nhận bởi {by}",
            summary_en=f"Alert acknowledged by {by}",
        )
        await record_change(connection, change)
    return True, updated


async def ping(connection: Connection) -> None:
    """Raises unless the database answers (readiness)."""
    await connection.fetchval("SELECT 1")
