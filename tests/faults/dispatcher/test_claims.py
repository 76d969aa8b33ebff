"""The alert dispatcher's claims on the real database: whatever a send raises is a failed
attempt, a notification is claimed at most max_attempts times, only the current holder
writes an outcome, and a second replica sends nothing again during a long send."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import pytest

from ioc_alerts.adapters import notifications as ledger
from ioc_alerts.adapters.notifications import AttemptOutcome, NotificationStatus

from .dispatching import Ledger, dispatcher, poll, record
from .receivers import RecordingChannel, StartReceiver, webhook

pytestmark = pytest.mark.connected


@pytest.mark.parametrize(
    ("raised", "outcome", "status"),
    [
        (ValueError("invalid address 'x@@y'"), "permanent", "failed"),
        (RuntimeError("library bug"), "retryable", "pending"),
    ],
)
async def test_whatever_a_send_raises_is_a_failed_attempt_with_its_reason(
    notifications: Ledger, raised: Exception, outcome: str, status: str
) -> None:
    sends = dispatcher(notifications.pool, {"email": RecordingChannel(raises=raised)})
    notification = await notifications.notify("email")
    await sends.dispatch_due()
    await sends.drain()
    [attempt] = await notifications.attempts(notification)
    assert attempt["outcome"] == outcome
    assert str(raised) in attempt["error"]
    assert await notifications.status(notification) == status


async def test_a_notification_is_claimed_at_most_max_attempts_times(
    notifications: Ledger,
) -> None:
    email = RecordingChannel()
    sends = dispatcher(notifications.pool, {"email": email}, max_attempts=3)
    # Claimed three times already, each lease ran out with no outcome (crashes mid-send).
    spent = await notifications.notify("email", attempts=3)
    fresh = await notifications.notify("email", attempts=2)
    assert await sends.dispatch_due() == 1
    await sends.drain()
    assert [n for n, _ in email.sent] == [str(fresh)]
    assert await notifications.status(spent) == "failed"
    assert await notifications.status(fresh) == "sent"


async def test_only_the_current_holder_writes_an_outcome(notifications: Ledger) -> None:
    pool = notifications.pool
    notification = await notifications.notify("email")
    now = datetime.now(UTC)
    lease = timedelta(seconds=30)
    [first] = await ledger.claim_due(pool, now=now, limit=5, lease=lease, max_attempts=8)
    # Its lease runs out (a frozen replica); another claims the notification.
    later = now + timedelta(minutes=1)
    [second] = await ledger.claim_due(pool, now=later, limit=5, lease=lease, max_attempts=8)
    assert (first.id, second.id) == (notification, notification)
    assert not await ledger.renew_lease(pool, first, until=later + lease)
    written = await ledger.settle(
        pool,
        first,
        outcome=AttemptOutcome.PERMANENT,
        status=NotificationStatus.FAILED,
        status_code=None,
        error="late",
        retry_at=None,
        now=later,
    )
    assert not written
    assert await notifications.status(notification) == "pending"
    assert await ledger.settle(
        pool,
        second,
        outcome=AttemptOutcome.SENT,
        status=NotificationStatus.SENT,
        status_code=250,
        error=None,
        retry_at=None,
        now=later,
    )
    assert await notifications.status(notification) == "sent"


async def test_a_second_replica_during_a_long_send_sends_nothing_again(
    notifications: Ledger,
    receivers: StartReceiver,
    request: pytest.FixtureRequest,
) -> None:
    async def slow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(7)  # more than twice the lease
        await receiver.write(writer, b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")

    receiver = await receivers(slow)
    hooks = [webhook(receiver.url), webhook(receiver.url)]
    replicas = [
        dispatcher(notifications.pool, {"webhook": hook}, deadline=30.0, lease=3.0)
        for hook in hooks
    ]
    notification = await notifications.notify("webhook")

    async def sent() -> bool:
        for replica in replicas:
            await replica.dispatch_due()
        return await notifications.status(notification) == "sent"

    started = time.monotonic()
    await poll(sent, within=60)
    took = time.monotonic() - started
    for replica in replicas:
        await replica.drain()
    assert receiver.requests == 1
    assert len(await notifications.attempts(notification)) == 1
    for hook in hooks:
        await hook.aclose()
    record(
        request,
        fault="second replica during a long send",
        description="two dispatchers poll the same ledger; a webhook takes 7 s to answer, more "
        "than twice the 3 s lease, which its holder renews every second",
        events=1,
        duplicated=receiver.requests - 1,
        recovery_seconds=took,
        bound_seconds=60.0,
        note="events = notifications; delivered once, one attempt on record",
    )
