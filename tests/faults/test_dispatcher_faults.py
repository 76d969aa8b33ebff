"""The alert dispatcher against misbehaving receivers, on the real database.

Each receiver is a raw TCP server in the test's own event loop that plays one fault:
it never answers, answers a byte at a time, answers with far too much, or asks for an
absurd wait. The webhook channel is the real one; the email channel is replaced by a
recorder, because what is measured is whether the *other* sends go on meanwhile.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from prometheus_client import CollectorRegistry
from pydantic import SecretStr

from ioc_alerts.adapters import notifications as ledger
from ioc_alerts.adapters.catalog import load_alerting_catalog
from ioc_alerts.adapters.notifications import AttemptOutcome, NotificationStatus
from ioc_alerts.deliver.context_builder import LinkSettings
from ioc_alerts.deliver.dispatcher import Dispatcher
from ioc_alerts.metrics import AlertMetrics
from ioc_alerts.notify.delivery import Channel, DeliveryResult, OutgoingMessage
from ioc_alerts.notify.retry import RetryPolicy
from ioc_alerts.notify.webhook import WebhookChannel, WebhookSettings
from ioc_contracts.catalog import Recipient
from ioc_storage.catalog_cache import CatalogCache
from ioc_testing import ScratchDatabase
from ioc_testing.ledger import FaultResult, record_result

pytestmark = pytest.mark.connected

LEADER = "chu-tich-ubnd"
Behaviour = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@dataclass
class Receiver:
    """A TCP server playing one HTTP fault; counts requests and bytes written."""

    behaviour: Behaviour
    requests: int = 0
    written: int = 0
    server: asyncio.Server | None = None
    handlers: set[asyncio.Task[None]] = field(default_factory=set)

    @property
    def url(self) -> str:
        assert self.server is not None
        port = self.server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}/hook"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self.handlers.add(task)
        try:
            await reader.readuntil(b"\r\n\r\n")
            self.requests += 1
            await self.behaviour(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            writer.close()
            self.handlers.discard(task)

    async def write(self, writer: asyncio.StreamWriter, data: bytes) -> None:
        writer.write(data)
        await writer.drain()
        self.written += len(data)


@pytest.fixture
async def receivers() -> AsyncIterator[Callable[[Behaviour], Awaitable[Receiver]]]:
    started: list[Receiver] = []

    async def start(behaviour: Behaviour) -> Receiver:
        receiver = Receiver(behaviour)
        receiver.server = await asyncio.start_server(receiver._serve, "127.0.0.1", 0)
        started.append(receiver)
        return receiver

    yield start
    for receiver in started:
        for task in list(receiver.handlers):
            task.cancel()
        assert receiver.server is not None
        receiver.server.close()


class RecordingChannel:
    """Stands in for email: answers at once, or raises what it is given."""

    name = "email"

    def __init__(self, raises: Exception | None = None) -> None:
        self.sent: list[tuple[str, float]] = []
        self.raises = raises

    async def send(self, recipient: Recipient, message: OutgoingMessage) -> DeliveryResult:
        if self.raises is not None:
            raise self.raises
        self.sent.append((message.notification_id, time.monotonic()))
        return DeliveryResult.sent(250)


@dataclass
class Ledger:
    pool: asyncpg.Pool
    alert_id: uuid.UUID

    async def notify(self, channel: str, *, attempts: int = 0) -> uuid.UUID:
        notification = uuid.uuid4()
        await self.pool.execute(
            "INSERT INTO ioc.notifications (id, alert_id, recipient, channel, kind, dedup_key, "
            "attempts, next_attempt_at, created_at) "
            "VALUES ($1, $2, $3, $4, 'firing', $5, $6, now() - interval '1 second', now())",
            notification,
            self.alert_id,
            None if channel == "webhook" else LEADER,
            channel,
            str(notification),
            attempts,
        )
        return notification

    async def status(self, notification: uuid.UUID) -> str:
        status: str = await self.pool.fetchval(
            "SELECT status FROM ioc.notifications WHERE id = $1", notification
        )
        return status

    async def attempts(self, notification: uuid.UUID) -> list[asyncpg.Record]:
        rows: list[asyncpg.Record] = await self.pool.fetch(
            "SELECT attempt, outcome, error, finished_at FROM ioc.notification_attempts "
            "WHERE notification_id = $1 ORDER BY attempt",
            notification,
        )
        return rows


@pytest.fixture
async def notifications(catalog_database: ScratchDatabase) -> AsyncIterator[Ledger]:
    pool = await asyncpg.create_pool(catalog_database.dsns["alerts"], min_size=1, max_size=8)
    try:
        target = await pool.fetchval("SELECT code FROM ioc.targets ORDER BY code LIMIT 1")
        alert_id = uuid.uuid4()
        await pool.execute(
            "INSERT INTO ioc.alerts (id, target, state, risk_status, severity, current_value, "
            "opened_at, updated_at) VALUES ($1, $2, 'firing', 'off_track', 'critical', 40.0, "
            "now(), now())",
            alert_id,
            target,
        )
        yield Ledger(pool, alert_id)
    finally:
        await pool.close()


def dispatcher(
    pool: asyncpg.Pool,
    channels: dict[str, Channel],
    *,
    deadline: float = 2.0,
    lease: float = 300.0,
    max_attempts: int = 8,
) -> Dispatcher:
    return Dispatcher(
        pool=pool,
        catalog=CatalogCache(pool, load_alerting_catalog, refresh_seconds=60).current,
        channels=channels,
        links=LinkSettings("http://127.0.0.1:1", b"k" * 32, None),
        retry=RetryPolicy(max_attempts=max_attempts),
        metrics=AlertMetrics.create(CollectorRegistry()),
        send_deadline=timedelta(seconds=deadline),
        lease=timedelta(seconds=lease),
    )


def webhook(url: str, *, timeout: float = 30.0) -> WebhookChannel:
    return WebhookChannel(
        WebhookSettings(
            url=url,
            # A Standard Webhooks secret: whsec_ + base64 of the key.
            secret=SecretStr("whsec_ZmF1bHQtdGVzdC13ZWJob29rLWtleS0wMTIzNDU2Nzg5"),
            allow_hosts=("127.0.0.1",),
            timeout_seconds=timeout,
        )
    )


async def hang(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await asyncio.sleep(3600)


async def poll(condition: Callable[[], Awaitable[bool]], within: float = 30.0) -> None:
    deadline = time.monotonic() + within
    while not await condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_a_hanging_receiver_holds_one_slot_while_the_others_are_delivered(
    notifications: Ledger,
    receivers: Callable[[Behaviour], Awaitable[Receiver]],
    request: pytest.FixtureRequest,
) -> None:
    receiver = await receivers(hang)
    email = RecordingChannel()
    hook = webhook(receiver.url)
    sends = dispatcher(notifications.pool, {"webhook": hook, "email": email}, deadline=3.0)
    stuck = await notifications.notify("webhook")
    started = time.monotonic()
    assert await sends.dispatch_due() == 1
    await poll(lambda: asyncio.sleep(0, receiver.requests == 1))
    others = [await notifications.notify("email") for _ in range(3)]
    assert await sends.dispatch_due() == 3
    await poll(lambda: asyncio.sleep(0, len(email.sent) == 3))
    # Delivered while the webhook still hangs, long before its deadline.
    assert all(at - started < 2.5 for _, at in email.sent)
    # Their outcomes are written after the send; on a loaded machine that takes a moment.
    await poll(lambda: asyncio.sleep(0, sends.in_flight <= 1))
    await sends.drain()
    elapsed = time.monotonic() - started
    assert 3.0 <= elapsed < 10
    for other in others:
        assert await notifications.status(other) == "sent"
    [attempt] = await notifications.attempts(stuck)
    assert attempt["outcome"] == "retryable"
    assert "no answer within 3 s" in attempt["error"]
    assert await notifications.status(stuck) == "pending"
    await hook.aclose()
    _record(
        request,
        fault="webhook receiver that never answers",
        description="a webhook receiver accepts the connection and never answers; three emails "
        "are due meanwhile",
        events=4,
        recovery_seconds=max(at for _, at in email.sent) - started,
        bound_seconds=2.5,
        note="events = notifications; recovery = until the emails were delivered; the "
        "webhook's attempt ends at the 3 s send deadline, recorded as retryable",
    )


async def test_a_trickling_receiver_is_cut_off_at_the_total_deadline(
    notifications: Ledger,
    receivers: Callable[[Behaviour], Awaitable[Receiver]],
    request: pytest.FixtureRequest,
) -> None:
    async def trickle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        # Each byte well inside the per-phase read timeout: only a total deadline ends it.
        await receiver.write(writer, b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
        while True:
            await receiver.write(writer, b"x")
            await asyncio.sleep(0.2)

    receiver = await receivers(trickle)
    hook = webhook(receiver.url, timeout=5.0)
    sends = dispatcher(notifications.pool, {"webhook": hook}, deadline=2.0)
    notification = await notifications.notify("webhook")
    started = time.monotonic()
    await sends.dispatch_due()
    await sends.drain()
    took = time.monotonic() - started
    assert took < 8
    [attempt] = await notifications.attempts(notification)
    assert attempt["outcome"] == "retryable"
    assert "no answer within 2 s" in attempt["error"]
    await hook.aclose()
    _record(
        request,
        fault="webhook receiver trickling its answer",
        description="a webhook receiver sends its headers, then one byte every 0.2 s forever: "
        "each read is well inside the 5 s per-phase timeout",
        events=1,
        recovery_seconds=took,
        bound_seconds=8.0,
        note="events = notifications; recovery = until the attempt was recorded (retryable) "
        "at the 2 s send deadline",
    )


async def test_a_huge_answer_is_read_only_up_to_the_cap(
    notifications: Ledger,
    receivers: Callable[[Behaviour], Awaitable[Receiver]],
    request: pytest.FixtureRequest,
) -> None:
    size = 512 * 1024 * 1024

    async def huge(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await receiver.write(
            writer, f"HTTP/1.1 500 Oops\r\nContent-Length: {size}\r\n\r\n".encode()
        )
        chunk = b"y" * 65536
        for _ in range(size // len(chunk)):
            await receiver.write(writer, chunk)

    receiver = await receivers(huge)
    hook = webhook(receiver.url)
    sends = dispatcher(notifications.pool, {"webhook": hook}, deadline=20.0)
    notification = await notifications.notify("webhook")
    await sends.dispatch_due()
    await sends.drain()
    [attempt] = await notifications.attempts(notification)
    assert attempt["outcome"] == "retryable"
    assert attempt["error"].startswith("HTTP 500")
    # The connection was dropped after the cap: nowhere near the half gigabyte offered.
    assert receiver.written < 64 * 1024 * 1024
    await hook.aclose()
    _record(
        request,
        fault="webhook receiver answering 512 MiB",
        description="a webhook receiver answers 500 with a 512 MiB body, written as fast as "
        "the connection takes it",
        events=1,
        recovery_seconds=None,
        bound_seconds=None,
        note=f"events = notifications; 64 KiB read, then the connection dropped "
        f"({receiver.written / 2**20:.1f} MiB written by the receiver in all); retryable",
    )


async def test_an_absurd_retry_after_is_clamped_not_an_error(
    notifications: Ledger,
    receivers: Callable[[Behaviour], Awaitable[Receiver]],
    request: pytest.FixtureRequest,
) -> None:
    async def busy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await receiver.write(
            writer,
            b"HTTP/1.1 503 Busy\r\nRetry-After: 99999999999999\r\nContent-Length: 0\r\n\r\n",
        )

    receiver = await receivers(busy)
    hook = webhook(receiver.url)
    sends = dispatcher(notifications.pool, {"webhook": hook})
    notification = await notifications.notify("webhook")
    await sends.dispatch_due()
    await sends.drain()
    [attempt] = await notifications.attempts(notification)
    assert attempt["outcome"] == "retryable"
    next_at = await notifications.pool.fetchval(
        "SELECT next_attempt_at FROM ioc.notifications WHERE id = $1", notification
    )
    # Honoured up to the policy's cap (6 h), not parked for millennia.
    assert next_at - datetime.now(UTC) <= timedelta(hours=6, minutes=1)
    await hook.aclose()
    _record(
        request,
        fault="Retry-After: 99999999999999",
        description="a webhook receiver answers 503 asking for a wait of 3 million years",
        events=1,
        recovery_seconds=None,
        bound_seconds=None,
        note="events = notifications; recorded as retryable, next attempt within the "
        "policy's 6 h cap",
    )


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
    receivers: Callable[[Behaviour], Awaitable[Receiver]],
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
    _record(
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


def _record(
    request: pytest.FixtureRequest,
    *,
    fault: str,
    description: str,
    events: int,
    recovery_seconds: float | None,
    bound_seconds: float | None,
    note: str,
    duplicated: int = 0,
) -> None:
    record_result(
        FaultResult(
            fault=fault,
            description=description,
            test=request.node.nodeid,
            events=events,
            lost=0,
            duplicated=duplicated,
            recovery_seconds=recovery_seconds,
            bound_seconds=bound_seconds,
            note=note,
        )
    )
