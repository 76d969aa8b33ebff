"""What a message shows, read when it goes out: the alert and its target's newest status."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from ioc_alerts.adapters.series import load_series
from ioc_alerts.domain.series import Observation
from ioc_contracts.status import AlertState, RiskStatus, Severity
from ioc_contracts.topics import series_key
from ioc_storage.connection import Connection


@dataclass(frozen=True, slots=True)
class AlertView:
    id: uuid.UUID
    target: str
    state: AlertState
    risk_status: RiskStatus
    severity: Severity
    current_value: float | None
    opened_at: datetime
    escalation_level: int


@dataclass(frozen=True, slots=True)
class StatusView:
    """The target's status at its last evaluation."""

    status: RiskStatus
    current_value: float | None
    current_at: datetime | None
    projected_value: float | None
    required_rate: float | None
    observed_rate: float | None
    eta: date | None


async def alert_view(connection: Connection, alert_id: uuid.UUID) -> AlertView | None:
    row = await connection.fetchrow(
        "SELECT id, target, state, risk_status, severity, current_value, opened_at, "
        "escalation_level FROM ioc.alerts WHERE id = $1",
        alert_id,
    )
    if row is None:
        return None
    return AlertView(
        id=row["id"],
        target=row["target"],
        state=AlertState(row["state"]),
        risk_status=RiskStatus(row["risk_status"]),
        severity=Severity(row["severity"]),
        current_value=row["current_value"],
        opened_at=row["opened_at"],
        escalation_level=row["escalation_level"],
    )


async def status_view(connection: Connection, target: str) -> StatusView | None:
    row = await connection.fetchrow(
        "SELECT status, current_value, current_at, projected_value, required_rate, "
        "observed_rate, eta FROM ioc.target_status WHERE target = $1",
        target,
    )
    if row is None:
        return None
    return StatusView(
        status=RiskStatus(row["status"]),
        current_value=row["current_value"],
        current_at=row["current_at"],
        projected_value=row["projected_value"],
        required_rate=row["required_rate"],
        observed_rate=row["observed_rate"],
        eta=row["eta"],
    )


async def recent_figures(
    connection: Connection, *, indicator: str, scope: str, since: datetime, until: datetime
) -> list[Observation]:
    """The series the message's chart draws: the same figures its target was judged on."""
    series = await load_series(connection, [(indicator, scope)], since=since, until=until)
    return series.get(series_key(indicator, scope), [])
