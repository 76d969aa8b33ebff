"""Delivers the decided notifications: at least once, every attempt on record.

A notification is claimed with a lease (its next attempt moved a few minutes on)
and its attempt row is committed before anything is sent. If the process dies
mid-send, the lease runs out and the notification is sent again: at least once
where "sent" and "not sent" cannot be told apart, never silently lost, and a
restart never decides anything twice.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg

from ioc_alerts.adapters.catalog import AlertingCatalog
from ioc_alerts.context_builder import LinkSettings, alert_context
from ioc_alerts.messages import AlertContext, NotificationKind, render, render_digest
from ioc_alerts.metrics import AlertMetrics
from ioc_alerts.notify.delivery import Channel, DeliveryOutcome, DeliveryResult, OutgoingMessage
from ioc_alerts.notify.retry import RetryPolicy
from ioc_contracts.catalog import Language, Recipient

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
# The webhook speaks for the province's systems, not a person.
WEBHOOK_RECIPIENT = Recipient(id="webhook", name="Webhook", role_vi="Tích hợp hệ thống")
_SUPERSEDED_BY_RESOLUTION = {
    NotificationKind.FIRING,
    NotificationKind.CHANGED,
    NotificationKind.REPEAT,
    NotificationKind.ESCALATION,
}

_CLAIM = """
WITH due AS (
    SELECT id FROM ioc.notifications
    WHERE status = 'pending' AND next_attempt_at <= $1
    ORDER BY next_attempt_at
    LIMIT $2
    FOR UPDATE SKIP LOCKED
)
UPDATE ioc.notifications n
SET attempts = n.attempts + 1, next_attempt_at = $1 + $3::interval
FROM due WHERE n.id = due.id
RETURNING n.id, n.alert_id, n.recipient, n.channel, n.kind, n.attempts
"""


@dataclass
class Dispatcher:
    pool: asyncpg.Pool
    catalog: Callable[[], Awaitable[AlertingCatalog]]
    channels: Mapping[str, Channel]
    links: LinkSettings
    retry: RetryPolicy
    metrics: AlertMetrics
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    batch: int = 20

    async def dispatch_due(self) -> int:
        """Sends what is due now; returns how many notifications were attempted."""
        now = self.clock()
        async with self.pool.acquire() as connection, connection.transaction():
            claimed = await connection.fetch(_CLAIM, now, self.batch, LEASE)
            await connection.executemany(
                "INSERT INTO ioc.notification_attempts (notification_id, attempt, started_at) "
                "VALUES ($1, $2, $3)",
                [(row["id"], row["attempts"], now) for row in claimed],
            )
        for row in claimed:
            await self._deliver(row)
        await self._count_pending()
        return len(claimed)

    async def _deliver(self, row: asyncpg.Record) -> None:
        catalog = await self.catalog()
        kind = NotificationKind(row["kind"])
        recipient = (
            catalog.recipients.get(row["recipient"]) if row["recipient"] else WEBHOOK_RECIPIENT
        )
        channel = self.channels.get(row["channel"])
        now = self.clock()
        if recipient is None or channel is None:
            result = DeliveryResult.permanent(
                None, f"no {row['channel']} channel or recipient {row['recipient']!r}"
            )
        else:
            async with self.pool.acquire() as connection:
                message = await self._message(connection, row, kind, recipient, catalog, now)
                if message is None:
                    await self._finish(connection, row, "suppressed", None, "superseded", now)
                    return
            # No pooled connection is held while a mail or HTTP server takes its time,
            # and the outcome is written on a fresh one (the database may have
            # restarted meanwhile).
            started = time.perf_counter()
            result = await channel.send(recipient, message)
            self.metrics.delivery_seconds.labels(row["channel"]).observe(
                time.perf_counter() - started
            )
        self.metrics.notifications.labels(row["channel"], result.outcome.value).inc()
        async with self.pool.acquire() as connection:
            await self._settle(connection, row, result, now)

    async def _settle(
        self,
        connection: asyncpg.Connection,
        row: asyncpg.Record,
        result: DeliveryResult,
        now: datetime,
    ) -> None:
        if result.outcome is DeliveryOutcome.SENT:
            await self._finish(connection, row, "sent", result, "sent", now)
            return
        retry_at = (
            self.retry.next_attempt_at(row["attempts"], now, result.retry_after)
            if result.outcome is DeliveryOutcome.RETRYABLE
            else None
        )
        if retry_at is None:
            await self._finish(connection, row, "failed", result, "permanent", now)
        else:
            await self._record(connection, row, result, "retryable", now)
            await connection.execute(
                "UPDATE ioc.notifications SET next_attempt_at = $2 WHERE id = $1",
                row["id"],
                retry_at,
            )
        log.warning(
            "notification not delivered",
            extra={
                "notification": str(row["id"]),
                "channel": row["channel"],
                "outcome": result.outcome.value,
                "detail": result.detail,
                "retry_at": retry_at.isoformat() if retry_at else None,
            },
        )

    async def _message(
        self,
        connection: asyncpg.Connection,
        row: asyncpg.Record,
        kind: NotificationKind,
        recipient: Recipient,
        catalog: AlertingCatalog,
        now: datetime,
    ) -> OutgoingMessage | None:
        person = row["recipient"]
        if kind is NotificationKind.DIGEST:
            contexts = await self._digest_contexts(connection, person, catalog, now)
            rendered = render_digest(contexts, recipient.language, now)
            return OutgoingMessage(
                rendered, str(row["id"]), None, recipient.language, None, tuple(contexts)
            )
        state = await connection.fetchval(
            "SELECT state FROM ioc.alerts WHERE id = $1", row["alert_id"]
        )
        if state == "resolved" and kind in _SUPERSEDED_BY_RESOLUTION:
            return None  # the resolved message tells the rest
        context = await alert_context(
            connection,
            alert_id=row["alert_id"],
            kind=kind,
            recipient=person,
            catalog=catalog,
            links=self.links,
            now=now,
        )
        if context is None:
            return None
        chart = None
        if not context.chart.is_empty and row["channel"] in ("email", "telegram"):
            chart = await _chart(context, recipient.language)
        rendered = render(context, recipient.language, with_chart=chart is not None)
        return OutgoingMessage(
            rendered, str(row["id"]), str(row["alert_id"]), recipient.language, chart, (context,)
        )

    async def _digest_contexts(
        self, connection: asyncpg.Connection, person: str, catalog: AlertingCatalog, now: datetime
    ) -> list[AlertContext]:
        alerts = await connection.fetch(
            "SELECT DISTINCT a.id FROM ioc.alerts a JOIN ioc.notifications n ON n.alert_id = a.id "
            "WHERE a.state <> 'resolved' AND n.recipient = $1",
            person,
        )
        contexts = []
        for alert in alerts:
            context = await alert_context(
                connection,
                alert_id=alert["id"],
                kind=NotificationKind.DIGEST,
                recipient=person,
                catalog=catalog,
                links=self.links,
                now=now,
            )
            if context is not None:
                contexts.append(context)
        return contexts

    async def _record(
        self,
        connection: asyncpg.Connection,
        row: asyncpg.Record,
        result: DeliveryResult | None,
        outcome: str,
        now: datetime,
    ) -> None:
        await connection.execute(
            "UPDATE ioc.notification_attempts SET finished_at = $3, outcome = $4, "
            "status_code = $5, error = $6 WHERE notification_id = $1 AND attempt = $2",
            row["id"],
            row["attempts"],
            now,
            outcome,
            result.status_code if result else None,
            None if result is None or result.outcome is DeliveryOutcome.SENT else result.detail,
        )

    async def _finish(
        self,
        connection: asyncpg.Connection,
        row: asyncpg.Record,
        status: str,
        result: DeliveryResult | None,
        outcome: str,
        now: datetime,
    ) -> None:
        async with connection.transaction():
            await self._record(
                connection, row, result, outcome if outcome != "superseded" else "permanent", now
            )
            await connection.execute(
                "UPDATE ioc.notifications SET status = $2, sent_at = CASE WHEN $2 = 'sent' "
                "THEN $3 ELSE sent_at END WHERE id = $1",
                row["id"],
                status,
                now,
            )

    async def _count_pending(self) -> None:
        async with self.pool.acquire() as connection:
            pending = await connection.fetchval(
                "SELECT count(*) FROM ioc.notifications WHERE status = 'pending'"
            )
        self.metrics.pending.set(pending)


async def _chart(context: AlertContext, language: Language) -> bytes:
    # Imported here so a text-only deployment never loads matplotlib.
    from ioc_alerts.messages.chart import render_chart

    title = context.title_vi if language is Language.VI else context.title_en
    # Drawing takes tens of milliseconds of CPU: off the event loop.
    return await asyncio.to_thread(
        render_chart, context.chart, title=title, unit=context.unit, language=language
    )
