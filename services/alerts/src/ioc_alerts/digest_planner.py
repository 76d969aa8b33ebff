"""Plans the daily digest: one per leader with open alerts, once per Vietnam day.

The digest follows the same rules as every other message: a leader hears about an
alert in it only if they were told about that alert before (told means delivered),
silenced targets are left out, and quiet hours hold it like a warning until morning.
"""

from __future__ import annotations

from datetime import datetime, time

from ioc_alerts.adapters import digests
from ioc_alerts.lifecycle.quiet_hours import VIETNAM, QuietHours
from ioc_contracts.status import Severity
from ioc_storage.connection import Connection


async def plan_digests(
    connection: Connection,
    *,
    now: datetime,
    at: time,
    quiet_hours: QuietHours,
) -> int:
    """Inserts today's digests once the digest time has passed; returns how many."""
    local = now.astimezone(VIETNAM)
    if local.time() < at:
        return 0
    people = await digests.people_to_digest(connection, now=now)
    # A digest is a summary, never urgent: it waits out quiet hours like a warning.
    send_at = quiet_hours.release_time(now, Severity.WARNING)
    await digests.plan(
        connection, people=people, day=local.date().isoformat(), send_at=send_at, now=now
    )
    return len(people)
