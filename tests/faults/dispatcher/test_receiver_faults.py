"""The alert dispatcher against misbehaving receivers, on the real database.

Each receiver is a raw TCP server in the test's own event loop that plays one fault:
it never answers, answers a byte at a time, answers with far too much, or asks for an
absurd wait. The webhook channel is the real one; the email channel is replaced by a
recorder, because what is measured is whether the *other* sends go on meanwhile.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import pytest

from .dispatching import Ledger, dispatcher, poll, record
from .receivers import RecordingChannel, StartReceiver, hang, webhook

pytestmark = pytest.mark.connected


async def test_a_hanging_receiver_holds_one_slot_while_the_others_are_delivered(
    notifications: Ledger,
    receivers: StartReceiver,
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
    record(
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
    receivers: StartReceiver,
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
    record(
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
    receivers: StartReceiver,
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
    record(
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
    receivers: StartReceiver,
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
    record(
        request,
        fault="Retry-After: 99999999999999",
        description="a webhook receiver answers 503 asking for a wait of 3 million years",
        events=1,
        recovery_seconds=None,
        bound_seconds=None,
        note="events = notifications; recorded as retryable, next attempt within the "
        "policy's 6 h cap",
    )
