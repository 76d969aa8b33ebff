"""Produce → notification: how long a leader waits for the email when
`dvc.paperless-100` changes state.

The real aggregator and alert service (on a simulated clock in July 2023, as in
tests/test_alerts_end_to_end.py) and a local SMTP server. Figures of the province's
paperless rate go straight to Kafka; each step flips the target (falling behind →
achieved → falling behind ...), so each step is one firing or one resolved email per
first-level recipient. Settings are the service's defaults (dispatch every second),
except the clock and the SMTP server.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from email.message import EmailMessage
from typing import Any

from benchmarks.bench import Bench
from benchmarks.contenders.ours import Route, aggregator
from benchmarks.infrastructure import progress
from benchmarks.loadgen import new_producer
from benchmarks.measure import percentile
from ioc_contracts.topics import series_key_bytes
from ioc_testing.mail import Mailbox, MailServer
from ioc_testing.pipeline import PipelineTopics, alerts_service

TITLE = "100% DVCTT đủ điều kiện không nhận hồ sơ giấy trước 30/9/2023"
VN = "+07:00"
# (kind, figures): each step flips the target's state; dates stay before the
# simulated "now" (15/7/2023) so the evaluator sees them.
STEPS: list[tuple[str, list[tuple[str, float]]]] = [
    (
        "firing",
        [("2023-06-01", 37.0), ("2023-06-15", 38.0), ("2023-07-01", 39.0), ("2023-07-10", 40.0)],
    ),
    ("resolved", [("2023-07-11", 100.0)]),
    ("firing", [("2023-07-12", 20.0)]),
    ("resolved", [("2023-07-13", 100.0)]),
    ("firing", [("2023-07-14", 20.0)]),
]


class TimedMailbox(Mailbox):
    """Keeps when each message arrived, with the message."""

    def __init__(self) -> None:
        super().__init__()
        self.arrived: list[float] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.arrived.append(time.time())
        return await super().handle_DATA(server, session, envelope)


def about_paperless(message: EmailMessage) -> bool:
    part = message.get_body(preferencelist=("plain",))
    return part is not None and f"\n{TITLE}\n" in str(part.get_content())


def figure(day: str, value: float) -> bytes:
    document = {
        "event_id": str(uuid.uuid4()),
        "agency": "vp-ubnd",
        "indicator": "dvc.paperless-rate",
        "scope": "province",
        "observed_at": f"{day}T17:00:00{VN}",
        "value": value,
        "source": "Cổng dịch vụ công tỉnh Bình Dương",
    }
    return json.dumps(document, ensure_ascii=False).encode()


async def settle(mailbox: TimedMailbox, quiet: float, within: float, *, burst: bool) -> None:
    """Waits until no email arrived for `quiet` seconds, so a step's email is not queued
    behind others. With `burst`, first waits for the start-up pass's emails (it mails
    every target that is missed or has no figures, a few dozen messages) to begin."""
    deadline = time.time() + within
    while burst and not mailbox.arrived and time.time() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.2)
    while time.time() < deadline:
        last = mailbox.arrived[-1] if mailbox.arrived else 0.0
        if time.time() - last >= quiet:
            return
        await asyncio.sleep(0.2)


async def notification_latency(bench: Bench) -> dict[str, Any]:
    topics = PipelineTopics(
        events=await bench.topics.create(f"alerting{bench.serial}.events", 3),
        dead_letters=await bench.topics.create(f"alerting{bench.serial}.dlq", 1),
        updates=await bench.topics.create(f"alerting{bench.serial}.updates", 3),
        alerts=await bench.topics.create(f"alerting{bench.serial}.alerts", 1),
    )
    mail = MailServer()
    mailbox = TimedMailbox()
    mail.mailbox = mailbox
    mail.start()
    route = Route(topics.events, topics.dead_letters, topics.updates)
    writer = aggregator(bench, route, bench.group("alerting.aggregator"), "alerting")
    alerts = bench.track(
        alerts_service(
            bench.database,
            topics,
            bench.bootstrap,
            bench.group("alerting.alerts"),
            bench.work / "alerts.log",
            IOC_ALERTS_CLOCK_START=f"2023-07-15T09:00:00{VN}",
            IOC_ALERTS_EVALUATE_EVERY_SECONDS="60",
            IOC_ALERTS_DISPATCH_EVERY_SECONDS="1",
            IOC_ALERTS_CATALOG_REFRESH_SECONDS="30",
            IOC_LOG_LEVEL="WARNING",
            IOC_SMTP_HOST="127.0.0.1",
            IOC_SMTP_PORT=str(mail.port),
            IOC_SMTP_STARTTLS="false",
        )
    )
    producer = new_producer(bench.bootstrap)
    samples: list[dict[str, Any]] = []
    try:
        writer.start()
        alerts.start()
        await asyncio.to_thread(writer.wait_ready)
        await asyncio.to_thread(alerts.wait_ready)
        await producer.start()
        await settle(mailbox, quiet=3.0, within=90, burst=True)
        for kind, figures in STEPS:
            before = len(mailbox.messages)
            sent = time.time()
            for day, value in figures:
                await producer.send_and_wait(
                    topics.events,
                    figure(day, value),
                    key=series_key_bytes("dvc.paperless-rate", "province"),
                )
            deadline = time.time() + 30
            arrivals: list[float] = []
            while time.time() < deadline and len(arrivals) < 3:
                await asyncio.sleep(0.05)
                arrivals = [
                    at
                    for message, at in zip(
                        mailbox.messages[before:], mailbox.arrived[before:], strict=False
                    )
                    if about_paperless(message)
                ]
            samples.append(
                {
                    "kind": kind,
                    "first_email_ms": (arrivals[0] - sent) * 1000 if arrivals else None,
                    "last_email_ms": (arrivals[-1] - sent) * 1000 if arrivals else None,
                    "emails": len(arrivals),
                }
            )
            progress(f"  {kind}: {samples[-1]}")
            await settle(mailbox, quiet=1.5, within=10, burst=False)
    finally:
        alerts.stop()
        writer.stop()
        mail.stop()
        with contextlib.suppress(Exception, asyncio.CancelledError):
            await producer.stop()
    firsts = sorted(s["first_email_ms"] for s in samples if s["first_email_ms"] is not None)
    return {
        "samples": samples,
        "median_first_email_ms": percentile(firsts, 0.5) if firsts else None,
        "max_first_email_ms": firsts[-1] if firsts else None,
    }
