"""Rows the decide flow would have written, for the deliver flow's tests to act on."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import asyncpg
import pytest


@dataclass
class Decided:
    """Writes alerts, statuses and notifications as the decide flow leaves them."""

    pool: asyncpg.Pool

    async def alert(
        self,
        target: str,
        *,
        state: str = "firing",
        current_value: float = 40.0,
        opened_at: datetime,
    ) -> uuid.UUID:
        alert_id = uuid.uuid4()
        await self.pool.execute(
            "INSERT INTO ioc.alerts (id, target, state, risk_status, severity, current_value, "
            "opened_at, updated_at, acknowledged_at, acknowledged_by, resolved_at) "
            "VALUES ($1, $2, $3::text, 'off_track', 'critical', $4, $5::timestamptz, $5, "
            "CASE WHEN $3 = 'acknowledged' THEN $5 END, "
            "CASE WHEN $3 = 'acknowledged' THEN 'Trực ban IOC' END, "
            "CASE WHEN $3 = 'resolved' THEN $5 END)",
            alert_id,
            target,
            state,
            current_value,
            opened_at,
        )
        return alert_id

    async def status(self, target: str, *, current_value: float, at: datetime) -> None:
        await self.pool.execute(
            "INSERT INTO ioc.target_status (target, status, current_value, current_at, "
            "reason_vi, reason_en, evaluated_at) VALUES ($1, 'at_risk', $2, $3, "
            "'Đang chậm so với tiến độ', 'Behind the pace', $3)",
            target,
            current_value,
            at,
        )

    async def notification(
        self,
        alert_id: uuid.UUID | None,
        *,
        recipient: str | None,
        channel: str,
        kind: str = "firing",
        status: str = "pending",
        due: datetime,
    ) -> uuid.UUID:
        notification_id = uuid.uuid4()
        await self.pool.execute(
            "INSERT INTO ioc.notifications (id, alert_id, recipient, channel, kind, status, "
            "dedup_key, next_attempt_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
            notification_id,
            alert_id,
            recipient,
            channel,
            kind,
            status,
            str(notification_id),
            due,
        )
        return notification_id


@pytest.fixture
def decided(alerts_pool: asyncpg.Pool) -> Decided:
    return Decided(alerts_pool)
