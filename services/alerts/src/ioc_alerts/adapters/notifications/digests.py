"""The daily digest in the database: who gets one, and which alerts it lists.

A digest lists the open alerts a leader was actually told about (a notification
delivered to them), leaving out those silenced now; a leader with none gets no digest.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from ioc_storage.connection import Connection

# Open alerts the person was told about, on targets no silence covers at $2.
_TOLD_AND_NOT_SILENCED = """
SELECT DISTINCT a.id, a.opened_at FROM ioc.alerts a
JOIN ioc.notifications n ON n.alert_id = a.id AND n.status = 'sent'
JOIN ioc.targets t ON t.code = a.target
WHERE a.state <> 'resolved' AND n.recipient = $1
  AND NOT EXISTS (SELECT 1 FROM ioc.silences s
      WHERE s.starts_at <= $2 AND s.ends_at > $2
        AND (s.target IS NULL OR s.target = t.code)
        AND (s.indicator IS NULL OR s.indicator = t.indicator)
        AND (s.scope IS NULL OR s.scope = t.scope))
ORDER BY a.opened_at, a.id
"""


async def alerts_for(connection: Connection, *, person: str, now: datetime) -> list[uuid.UUID]:
    rows = await connection.fetch(_TOLD_AND_NOT_SILENCED, person, now)
    return [row["id"] for row in rows]


async def people_to_digest(connection: Connection, *, now: datetime) -> list[str]:
    """Leaders with an email address and at least one alert a digest would list."""
    rows = await connection.fetch("SELECT id FROM ioc.recipients WHERE email IS NOT NULL")
    people = []
    for row in rows:
        if await connection.fetchval(f"SELECT EXISTS ({_TOLD_AND_NOT_SILENCED})", row["id"], now):
            people.append(row["id"])
    return people


async def insert_digests(
    connection: Connection, *, people: list[str], day: str, send_at: datetime, now: datetime
) -> None:
    """One digest per person and day (the dedup key), sent at `send_at`."""
    await connection.executemany(
        "INSERT INTO ioc.notifications (id, recipient, channel, kind, dedup_key, "
        "next_attempt_at, created_at) VALUES ($1, $2, 'email', 'digest', $3, $4, $5) "
        "ON CONFLICT (dedup_key) DO NOTHING",
        [(uuid.uuid4(), person, f"digest:{person}:{day}", send_at, now) for person in people],
    )
