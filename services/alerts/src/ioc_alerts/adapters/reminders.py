"""Reporting reminders in the database: the figures they are judged on, the record of
what was decided, and the notifications that carry them.

A reminder is decided once: its row in `ioc.reporting_reminders` (keyed by agency,
series, period and stage) and its notifications are written in one transaction, so two
replicas or a restart planning the same reminder insert nothing the second time, and
the dispatcher delivers it with the same retries, attempts and lease as any alert.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from ioc_alerts.domain.reminders import DueReminder, ReminderStage
from ioc_storage.connection import Connection


@dataclass(frozen=True, slots=True)
class QueuedMessage:
    """One notification of a reminder: to whom, by which channel, from when."""

    recipient: str
    channel: str
    send_at: datetime


@dataclass(frozen=True, slots=True)
class StoredReminder:
    """What a reminder notification is about, as decided."""

    agency: str
    indicator: str
    scope: str
    stage: ReminderStage
    period_start: datetime
    period_end: datetime
    due_at: datetime


async def latest_figures(connection: Connection) -> dict[tuple[str, str], datetime]:
    """Each series' newest figure (observed_at), the one a reminder is closed by."""
    rows = await connection.fetch("SELECT indicator, scope, observed_at FROM ioc.latest_values")
    return {(row["indicator"], row["scope"]): row["observed_at"] for row in rows}


async def latest_figure(connection: Connection, *, indicator: str, scope: str) -> datetime | None:
    observed: datetime | None = await connection.fetchval(
        "SELECT observed_at FROM ioc.latest_values WHERE indicator = $1 AND scope = $2",
        indicator,
        scope,
    )
    return observed


_RECORD = """
INSERT INTO ioc.reporting_reminders (agency, indicator, scope, period_start, stage,
    period_end, due_at, decided_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT DO NOTHING
RETURNING 1
"""

_QUEUE = """
INSERT INTO ioc.notifications (id, recipient, channel, kind, dedup_key, next_attempt_at,
    created_at, payload)
VALUES ($1, $2, $3, 'reminder', $4, $5, $6, $7::jsonb)
ON CONFLICT (dedup_key) DO NOTHING
"""


async def record(
    connection: Connection,
    reminder: DueReminder,
    messages: Sequence[QueuedMessage],
    *,
    now: datetime,
) -> bool:
    """Records `reminder` and queues its messages, unless it was recorded before.

    Returns whether it was new. One transaction: the reminder is never recorded without
    its messages, nor its messages queued twice.
    """
    duty, period = reminder.duty, reminder.period
    key = (duty.agency, duty.indicator, duty.scope, period.start, reminder.stage.value)
    payload = json.dumps(
        {
            "agency": duty.agency,
            "indicator": duty.indicator,
            "scope": duty.scope,
            "stage": reminder.stage.value,
            "period_start": period.start.isoformat(),
            "period_end": period.end.isoformat(),
            "due_at": period.due_at.isoformat(),
        }
    )
    dedup = "reminder:" + ":".join(
        (duty.agency, duty.indicator, duty.scope, period.start.date().isoformat())
    )
    async with connection.transaction():
        new = await connection.fetchval(_RECORD, *key, period.end, period.due_at, now)
        if new is None:
            return False
        await connection.executemany(
            _QUEUE,
            [
                (
                    uuid.uuid4(),
                    message.recipient,
                    message.channel,
                    f"{dedup}:{reminder.stage.value}:{message.recipient}:{message.channel}",
                    message.send_at,
                    now,
                    payload,
                )
                for message in messages
            ],
        )
    return True


async def stored_reminder(
    connection: Connection, notification_id: uuid.UUID
) -> StoredReminder | None:
    """What the reminder notification `notification_id` is about."""
    raw = await connection.fetchval(
        "SELECT payload FROM ioc.notifications WHERE id = $1 AND kind = 'reminder'",
        notification_id,
    )
    if raw is None:
        return None
    payload = json.loads(raw) if isinstance(raw, str) else raw
    return StoredReminder(
        agency=payload["agency"],
        indicator=payload["indicator"],
        scope=payload["scope"],
        stage=ReminderStage(payload["stage"]),
        period_start=datetime.fromisoformat(payload["period_start"]),
        period_end=datetime.fromisoformat(payload["period_end"]),
        due_at=datetime.fromisoformat(payload["due_at"]),
    )
