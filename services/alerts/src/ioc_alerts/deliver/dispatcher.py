"""Delivers the decided notifications: at least once, every attempt on record, bounded.

A notification is claimed with a lease (its next attempt moved a few minutes on)
and its attempt row is committed before anything is sent. If the process dies
mid-send, the lease runs out and the notification is sent again: at least once
where "sent" and "not sent" cannot be told apart, never silently lost, and a
restart never decides anything twice.

Bounds, so that no receiver can stall the others or the service:
- at most `max_in_flight` sends at once, across channels, each in a task of its own:
  a slow receiver holds one slot, never the pass;
- each send has a total deadline (`send_deadline`), whatever the channel's own
  per-phase timeouts let a trickling server do; HTTP answers are read up to a cap;
- a send longer than a third of the lease renews it; an outcome is written only while
  the claim still holds the lease (its attempt number), so a second replica neither
  claims a notification being sent nor overwrites its outcome;
- anything a send or the rendering raises is recorded as a failed attempt with the
  reason; a notification is claimed at most `max_attempts` times.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import asyncpg

from ioc_alerts.adapters import notifications
from ioc_alerts.adapters.catalog import AlertingCatalog
from ioc_alerts.adapters.notifications import (
    AttemptOutcome,
    ClaimedNotification,
    NotificationStatus,
)
from ioc_alerts.deliver.compose import MessageComposer
from ioc_alerts.deliver.context_builder import LinkSettings
from ioc_alerts.domain.reminders import DEFAULT_POLICY, ReminderPolicy
from ioc_alerts.metrics import AlertMetrics
from ioc_alerts.notify.delivery import Channel, DeliveryOutcome, DeliveryResult
from ioc_alerts.notify.retry import RetryPolicy
from ioc_contracts.catalog import Recipient
from ioc_runtime import redact

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
SEND_DEADLINE = timedelta(seconds=60)
MAX_IN_FLIGHT = 16
# The webhook speaks for the province's systems, not a person.
WEBHOOK_RECIPIENT = Recipient(id="webhook", name="Webhook", role_vi="Tích hợp hệ thống")
# Raised by our own code for input that will not change on a retry (a malformed address).
_PERMANENT_ERRORS = (ValueError, TypeError, LookupError, UnicodeError)


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
    lease: timedelta = LEASE
    send_deadline: timedelta = SEND_DEADLINE
    max_in_flight: int = MAX_IN_FLIGHT
    reminders: ReminderPolicy = DEFAULT_POLICY
    _in_flight: set[asyncio.Task[None]] = field(default_factory=set, init=False, repr=False)

    def __post_init__(self) -> None:
        self._composer = MessageComposer(self.pool, self.links, self.reminders)

    async def dispatch_due(self) -> int:
        """Starts sending what is due, in as many tasks as there are free slots.

        Returns how many notifications were claimed; their sends go on in the background
        (`drain` waits for them).
        """
        free = min(self.batch, self.max_in_flight - len(self._in_flight))
        claimed = await notifications.claim_due(
            self.pool,
            now=self.clock(),
            limit=free,
            lease=self.lease,
            max_attempts=self.retry.max_attempts,
        )
        for notification in claimed:
            task = asyncio.create_task(self._attempt(notification), name=f"send-{notification.id}")
            self._in_flight.add(task)
            task.add_done_callback(self._in_flight.discard)
        self.metrics.pending.set(await notifications.pending_count(self.pool))
        return len(claimed)

    @property
    def in_flight(self) -> int:
        return len(self._in_flight)

    async def drain(self) -> None:
        """Waits for every send started so far."""
        while self._in_flight:
            await asyncio.gather(*self._in_flight, return_exceptions=True)

    async def close(self) -> None:
        """Stops the sends in flight; their leases run out and they are sent again."""
        for task in list(self._in_flight):
            task.cancel()
        await asyncio.gather(*self._in_flight, return_exceptions=True)

    async def _attempt(self, claimed: ClaimedNotification) -> None:
        """One attempt, from rendering to the recorded outcome; never raises."""
        try:
            result = await self._deliver(claimed)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            reason = redact(f"{type(error).__name__}: {error}")
            result = (
                DeliveryResult.permanent(None, reason)
                if isinstance(error, _PERMANENT_ERRORS)
                else DeliveryResult.retryable(None, reason)
            )
            log.exception("delivery raised", extra={"notification": str(claimed.id)})
        if result is None:
            return
        try:
            await self._settle(claimed, result)
        except asyncio.CancelledError:
            raise
        except Exception:  # the lease runs out and the notification is tried again
            log.exception(
                "could not record a delivery outcome", extra={"notification": str(claimed.id)}
            )

    async def _deliver(self, claimed: ClaimedNotification) -> DeliveryResult | None:
        """The send's result, or None when there is nothing to send (already settled)."""
        catalog = await self.catalog()
        recipient = (
            catalog.recipients.get(claimed.recipient) if claimed.recipient else WEBHOOK_RECIPIENT
        )
        channel = self.channels.get(claimed.channel)
        if recipient is None or channel is None:
            return DeliveryResult.permanent(
                None, f"no {claimed.channel} channel or recipient {claimed.recipient!r}"
            )
        message = await self._composer.compose(claimed, recipient, catalog, self.clock())
        if message is None:
            await notifications.settle(
                self.pool,
                claimed,
                outcome=AttemptOutcome.PERMANENT,
                status=NotificationStatus.SUPPRESSED,
                status_code=None,
                error="superseded",
                retry_at=None,
                now=self.clock(),
            )
            return None
        # No pooled connection is held while a mail or HTTP server takes its time.
        started = time.perf_counter()
        renewal = asyncio.create_task(self._keep_lease(claimed))
        try:
            async with asyncio.timeout(self.send_deadline.total_seconds()):
                result = await channel.send(recipient, message)
        except TimeoutError:
            result = DeliveryResult.retryable(
                None, f"no answer within {self.send_deadline.total_seconds():g} s"
            )
        finally:
            renewal.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewal
        self.metrics.delivery_seconds.labels(claimed.channel).observe(time.perf_counter() - started)
        return result

    async def _keep_lease(self, claimed: ClaimedNotification) -> None:
        """Renews the lease every third of it, for sends that take long."""
        every = self.lease.total_seconds() / 3
        while True:
            await asyncio.sleep(every)
            try:
                held = await notifications.renew_lease(
                    self.pool, claimed, until=self.clock() + self.lease
                )
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
                continue  # the database is away; the next renewal may get through
            if not held:
                log.warning("lease lost during a send", extra={"notification": str(claimed.id)})
                return

    async def _settle(self, claimed: ClaimedNotification, result: DeliveryResult) -> None:
        now = self.clock()
        self.metrics.notifications.labels(claimed.channel, result.outcome.value).inc()
        retry_at = (
            self.retry.next_attempt_at(claimed.attempt, now, result.retry_after)
            if result.outcome is DeliveryOutcome.RETRYABLE
            else None
        )
        if result.outcome is DeliveryOutcome.SENT:
            outcome, status = AttemptOutcome.SENT, NotificationStatus.SENT
        elif retry_at is not None:
            outcome, status = AttemptOutcome.RETRYABLE, NotificationStatus.PENDING
        else:
            outcome, status = AttemptOutcome.PERMANENT, NotificationStatus.FAILED
        held = await notifications.settle(
            self.pool,
            claimed,
            outcome=outcome,
            status=status,
            status_code=result.status_code,
            error=None if outcome is AttemptOutcome.SENT else result.detail,
            retry_at=retry_at,
            now=now,
        )
        if not held:
            log.warning(
                "outcome not written: another claim holds the notification",
                extra={"notification": str(claimed.id), "outcome": result.outcome.value},
            )
        if outcome is not AttemptOutcome.SENT:
            log.warning(
                "notification not delivered",
                extra={
                    "notification": str(claimed.id),
                    "channel": claimed.channel,
                    "outcome": result.outcome.value,
                    "detail": result.detail,
                    "retry_at": retry_at.isoformat() if retry_at else None,
                },
            )
