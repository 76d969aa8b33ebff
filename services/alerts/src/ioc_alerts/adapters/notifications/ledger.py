"""The notification ledger as the deliver flow sees it: claims, leases and outcomes.

A claim takes a due notification for one attempt: `attempts` goes up by one and the
notification is leased (its next attempt moved past the lease) so no other replica
takes it meanwhile. The attempt number is the lease's fence: a holder renews its lease
and writes its outcome only while `attempts` is still the number it claimed, so a
replica whose lease ran out (a frozen process, a send longer than the lease) cannot
overwrite what the notification's current holder decided.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import asyncpg

from ioc_alerts.messages import NotificationKind
from ioc_runtime import redact


class NotificationStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    SUPPRESSED = "suppressed"


class AttemptOutcome(StrEnum):
    SENT = "sent"
    RETRYABLE = "retryable"
    PERMANENT = "permanent"


@dataclass(frozen=True, slots=True)
class ClaimedNotification:
    id: uuid.UUID
    alert_id: uuid.UUID | None
    recipient: str | None
    channel: str
    kind: NotificationKind
    attempt: int
    """This claim's attempt number: the fence of its lease."""


# Claimed `max_attempts` times and every lease ran out with no outcome (the process
# died mid-send each time): no further attempt is allowed, so the notification fails.
_GIVE_UP = """
WITH spent AS (
    SELECT id, attempts FROM ioc.notifications
    WHERE status = 'pending' AND next_attempt_at <= $1 AND attempts >= $2
    FOR UPDATE SKIP LOCKED
), failed AS (
    UPDATE ioc.notifications n SET status = 'failed'
    FROM spent WHERE n.id = spent.id
    RETURNING n.id, n.attempts
)
UPDATE ioc.notification_attempts a
SET finished_at = $1, outcome = 'permanent',
    error = 'no outcome recorded before the lease ran out, and no attempts are left'
FROM failed WHERE a.notification_id = failed.id AND a.attempt = failed.attempts
    AND a.finished_at IS NULL
"""

_CLAIM = """
WITH due AS (
    SELECT id FROM ioc.notifications
    WHERE status = 'pending' AND next_attempt_at <= $1 AND attempts < $4
    ORDER BY next_attempt_at
    LIMIT $2
    FOR UPDATE SKIP LOCKED
)
UPDATE ioc.notifications n
SET attempts = n.attempts + 1, next_attempt_at = $1 + $3::interval
FROM due WHERE n.id = due.id
RETURNING n.id, n.alert_id, n.recipient, n.channel, n.kind, n.attempts
"""


async def claim_due(
    pool: asyncpg.Pool,
    *,
    now: datetime,
    limit: int,
    lease: timedelta,
    max_attempts: int,
) -> list[ClaimedNotification]:
    """Claims up to `limit` due notifications and commits an open attempt row for each."""
    if limit <= 0:
        return []
    async with pool.acquire() as connection, connection.transaction():
        await connection.execute(_GIVE_UP, now, max_attempts)
        rows = await connection.fetch(_CLAIM, now, limit, lease, max_attempts)
        await connection.executemany(
            "INSERT INTO ioc.notification_attempts (notification_id, attempt, started_at) "
            "VALUES ($1, $2, $3) ON CONFLICT (notification_id, attempt) DO NOTHING",
            [(row["id"], row["attempts"], now) for row in rows],
        )
    return [
        ClaimedNotification(
            id=row["id"],
            alert_id=row["alert_id"],
            recipient=row["recipient"],
            channel=row["channel"],
            kind=NotificationKind(row["kind"]),
            attempt=row["attempts"],
        )
        for row in rows
    ]


async def renew_lease(pool: asyncpg.Pool, claimed: ClaimedNotification, *, until: datetime) -> bool:
    """Extends the lease while this claim still holds it; False once it does not."""
    renewed = await pool.fetchval(
        "UPDATE ioc.notifications SET next_attempt_at = $3 "
        "WHERE id = $1 AND attempts = $2 AND status = 'pending' RETURNING true",
        claimed.id,
        claimed.attempt,
        until,
    )
    return bool(renewed)


async def settle(
    pool: asyncpg.Pool,
    claimed: ClaimedNotification,
    *,
    outcome: AttemptOutcome,
    status: NotificationStatus,
    status_code: int | None,
    error: str | None,
    retry_at: datetime | None,
    now: datetime,
) -> bool:
    """Writes the attempt's outcome; the notification's only if this claim holds it.

    Returns whether it did. The attempt row is this claim's own and is always finished.
    """
    async with pool.acquire() as connection, connection.transaction():
        held = await connection.fetchval(
            "UPDATE ioc.notifications SET status = $3, "
            "next_attempt_at = COALESCE($4, next_attempt_at), "
            "sent_at = CASE WHEN $3 = 'sent' THEN $5 ELSE sent_at END "
            "WHERE id = $1 AND attempts = $2 AND status = 'pending' RETURNING true",
            claimed.id,
            claimed.attempt,
            status.value,
            retry_at,
            now,
        )
        await connection.execute(
            "UPDATE ioc.notification_attempts SET finished_at = $3, outcome = $4, "
            "status_code = $5, error = $6 WHERE notification_id = $1 AND attempt = $2",
            claimed.id,
            claimed.attempt,
            now,
            outcome.value,
            status_code,
            redact(error)[:2000] if error else None,
        )
    return bool(held)


async def pending_count(pool: asyncpg.Pool) -> int:
    count: int = await pool.fetchval(
        "SELECT count(*) FROM ioc.notifications WHERE status = 'pending'"
    )
    return count
