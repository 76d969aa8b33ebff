"""Plans the daily digest: one per leader with open alerts, once per Vietnam day.

The digest follows the same rules as every other message: a leader hears about an
alert in it only if they were told about that alert before (told means delivered),
silenced targets are left out, and quiet hours hold it like a warning until morning.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time

import asyncpg

from ioc_alerts.adapters import notifications
from ioc_alerts.lifecycle.quiet_hours import QuietHours
from ioc_contracts.status import Severity
from ioc_contracts.types import VIETNAM_TIME
from ioc_storage.connection import Connection


async def plan_digests(
    connection: Connection,
    *,
    now: datetime,
    at: time,
    quiet_hours: QuietHours,
) -> int:
    """Inserts today's digests once the digest time has passed; returns how many."""
    local = now.astimezone(VIETNAM_TIME)
    if local.time() < at:
        return 0
    people = await notifications.people_to_digest(connection, now=now)
    # A digest is a summary, never urgent: it waits out quiet hours like a warning.
    send_at = quiet_hours.release_time(now, Severity.WARNING)
    await notifications.insert_digests(
        connection, people=people, day=local.date().isoformat(), send_at=send_at, now=now
    )
    return len(people)


@dataclass(frozen=True)
class DigestPlanner:
    """The scheduled pass: plans today's digests (the dedup key makes a second pass
    of the same day a no-op)."""

    pool: asyncpg.Pool
    at: time
    quiet_hours: QuietHours
    clock: Callable[[], datetime]

    async def plan_due(self) -> int:
        async with self.pool.acquire() as connection:
            return await plan_digests(
                connection, now=self.clock(), at=self.at, quiet_hours=self.quiet_hours
            )
