"""Plans the daily digest: one per leader with open alerts, once per Vietnam day."""

from __future__ import annotations

import uuid
from datetime import datetime, time

import asyncpg

from ioc_alerts.lifecycle.quiet_hours import VIETNAM


async def plan_digests(connection: asyncpg.Connection, *, now: datetime, at: time) -> int:
    """Inserts today's digests once the digest time has passed; returns how many."""
    local = now.astimezone(VIETNAM)
    if local.time() < at:
        return 0
    day = local.date().isoformat()
    people = await connection.fetch(
        """
        SELECT DISTINCT n.recipient FROM ioc.notifications n
        JOIN ioc.alerts a ON a.id = n.alert_id
        JOIN ioc.recipients r ON r.id = n.recipient
        WHERE a.state <> 'resolved' AND r.email IS NOT NULL
        """
    )
    rows = [
        (uuid.uuid4(), person["recipient"], f"digest:{person['recipient']}:{day}", now)
        for person in people
    ]
    result = await connection.executemany(
        "INSERT INTO ioc.notifications (id, recipient, channel, kind, dedup_key, next_attempt_at, "
        "created_at) VALUES ($1, $2, 'email', 'digest', $3, $4, $4) ON CONFLICT (dedup_key) DO NOTHING",
        rows,
    )
    del result
    return len(rows)
