"""The acknowledgement link in a real browser, and a restart between deciding and sending."""

from __future__ import annotations

import asyncio
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections import Counter
from email.message import EmailMessage
from pathlib import Path

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer

from ioc_storage.connection import Connection
from ioc_testing import ScratchDatabase
from ioc_testing.browser import chromium_page
from ioc_testing.mail import MailServer
from ioc_testing.pipeline import (
    PipelineTopics,
    ServiceProcess,
    alerts_service,
    mailing_settings,
    publish_slow_paperless,
    wait_for,
)

pytestmark = pytest.mark.connected

TITLE = "100% DVCTT đủ điều kiện không nhận hồ sơ giấy trước 30/9/2023"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _paperless(messages: list[EmailMessage]) -> list[EmailMessage]:
    found = []
    for message in messages:
        body = message.get_body(preferencelist=("plain",))
        if body is not None and f"\n{TITLE}\n" in str(body.get_content()):
            found.append(message)
    return found


def _service(
    database: ScratchDatabase,
    topics: PipelineTopics,
    bootstrap: str,
    name: str,
    mail: MailServer,
    log: Path,
) -> ServiceProcess:
    return alerts_service(
        database,
        topics,
        bootstrap,
        f"{name}.alerts",
        log,
        **mailing_settings(
            mail.port,
            IOC_RETRY_BASE_DELAY_SECONDS="0.5",
            IOC_RETRY_MAX_DELAY_SECONDS="1",
            # One timeline for every process of the test: restarted, the service carries
            # on from where its clock was instead of going back to the start, where the
            # retries its predecessor scheduled would lie in the future.
            IOC_ALERTS_CLOCK_ANCHOR=str(time.time()),
        ),
    )


async def _kill_with_nothing_in_flight(alerts: ServiceProcess, reader: Connection) -> None:
    """SIGKILL at a moment when every claimed notification has its attempt settled.

    A notification claimed but not yet settled is leased for minutes and sent again
    only when the lease runs out; that is not what this test is about. The service is
    frozen while the database is asked, so it cannot claim anything meanwhile (a claim
    not yet committed dies with the process).
    """
    assert alerts.process is not None
    async with asyncio.timeout(60):
        while True:
            alerts.process.send_signal(signal.SIGSTOP)
            in_flight = await reader.fetchval(
                "SELECT count(*) FROM ioc.notification_attempts WHERE finished_at IS NULL"
            )
            if in_flight == 0:
                alerts.kill()
                return
            alerts.process.send_signal(signal.SIGCONT)
            await asyncio.sleep(0.05)  # a poll interval: let it settle what it claimed


def _open_in_chromium(url: str) -> str:
    """The page as Chromium shows it after running its scripts (it has none)."""
    assert CHROMIUM is not None
    with tempfile.TemporaryDirectory() as profile:
        result = subprocess.run(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={profile}",
                "--virtual-time-budget=5000",
                "--dump-dom",
                url,
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
    return result.stdout


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium package is not installed")
async def test_the_ack_link_in_a_browser_acknowledges_only_when_pressed_and_once(
    aggregator_process: ServiceProcess,
    catalog_database: ScratchDatabase,
    pipeline_topics: PipelineTopics,
    kafka_bootstrap: str,
    unique_name: str,
    mail_server: MailServer,
    producer: AIOKafkaProducer,
    tmp_path: Path,
) -> None:
    alerts = _service(
        catalog_database,
        pipeline_topics,
        kafka_bootstrap,
        unique_name,
        mail_server,
        tmp_path / "alerts.log",
    )
    aggregator_process.start()
    alerts.start()
    try:
        alerts.wait_ready()
        await publish_slow_paperless(producer, pipeline_topics.events)

        async def told() -> bool:
            return len(_paperless(mail_server.mailbox.messages)) >= 3

        await wait_for(told, what="the firing emails")
        body = _paperless(mail_server.mailbox.messages)[0].get_body(preferencelist=("plain",))
        assert body is not None
        link = re.search(r"(http://127\.0\.0\.1:\d+/ack/\S+)", str(body.get_content()))
        assert link is not None

        # A mail gateway's headless browser loads the link and runs its scripts.
        scanned = await asyncio.to_thread(_open_in_chromium, link.group(1))
        assert "Tôi đã nhận cảnh báo này" in scanned
        # The leader presses the button, in a browser, with the mouse.
        async with chromium_page() as browser:
            await browser.open(link.group(1))
            await browser.click("button")
            await browser.loaded()
            first = await browser.html()
            await browser.open(link.group(1))
            second = await browser.html()
        assert "Đã xác nhận cảnh báo" in first
        assert "Cảm ơn" in first
        assert "đã được xác nhận trước đó" in second
        assert "giờ Việt Nam" in second

        reader = await asyncpg.connect(catalog_database.dsns["reader"])
        try:
            acks = await reader.fetch(
                "SELECT o.payload->>'changed_by' AS by FROM ioc.alert_outbox o "
                "JOIN ioc.alerts a ON a.id = o.alert_id "
                "WHERE a.target = 'dvc.paperless-100' AND o.payload->>'state' = 'acknowledged'"
            )
            alert = await reader.fetchrow(
                "SELECT state, acknowledged_by FROM ioc.alerts WHERE target = 'dvc.paperless-100'"
            )
        finally:
            await reader.close()
        assert len(acks) == 1
        assert alert is not None
        assert alert["state"] == "acknowledged"
        assert "Trực ban" in alert["acknowledged_by"] or alert["acknowledged_by"] == acks[0]["by"]
    finally:
        alerts.kill()


async def test_a_restart_between_deciding_and_sending_loses_and_repeats_nothing(
    aggregator_process: ServiceProcess,
    catalog_database: ScratchDatabase,
    pipeline_topics: PipelineTopics,
    kafka_bootstrap: str,
    unique_name: str,
    mail_server: MailServer,
    producer: AIOKafkaProducer,
    tmp_path: Path,
) -> None:
    # The mail server is down: the decision is stored, sending keeps failing.
    mail_server.stop()
    alerts = _service(
        catalog_database,
        pipeline_topics,
        kafka_bootstrap,
        unique_name,
        mail_server,
        tmp_path / "alerts.log",
    )
    aggregator_process.start()
    alerts.start()
    try:
        alerts.wait_ready()
        await publish_slow_paperless(producer, pipeline_topics.events)
        reader = await asyncpg.connect(catalog_database.dsns["reader"])

        async def decided_and_tried() -> bool:
            attempts = await reader.fetchval(
                "SELECT count(*) FROM ioc.notification_attempts t "
                "JOIN ioc.notifications n ON n.id = t.notification_id "
                "JOIN ioc.alerts a ON a.id = n.alert_id "
                "WHERE a.target = 'dvc.paperless-100' AND t.outcome = 'retryable'"
            )
            return bool(attempts >= 3)

        async def paperless_notifications() -> dict[str, tuple[str, str]]:
            rows = await reader.fetch(
                "SELECT n.id::text AS id, n.kind, n.status FROM ioc.notifications n "
                "JOIN ioc.alerts a ON a.id = n.alert_id WHERE a.target = 'dvc.paperless-100'"
            )
            return {row["id"]: (row["kind"], row["status"]) for row in rows}

        try:
            await wait_for(decided_and_tried, what="failed attempts while the mail server is down")
            # Between "decided to notify" and "sent".
            await _kill_with_nothing_in_flight(alerts, reader)
            mail_server.start()
            alerts.start()
            alerts.wait_ready()

            # Every paperless notification sent, or otherwise settled: an email is
            # accepted by the server before its notification is marked sent.
            async def delivered() -> bool:
                statuses = {status for _, status in (await paperless_notifications()).values()}
                return "pending" not in statuses

            await wait_for(delivered, what="delivery after the restart")
            await asyncio.sleep(3)  # a stretch in which a duplicate would show up
            notifications = await paperless_notifications()
            emails = _paperless(mail_server.mailbox.messages)
            copies = Counter(str(m["X-IOC-Notification-Id"]) for m in emails)
            assert set(copies.values()) == {1}, copies  # nothing sent twice
            assert set(copies) == set(notifications)  # nothing lost
            assert {status for _, status in notifications.values()} == {"sent"}
            firing = [
                m["To"].addresses[0].addr_spec
                for m in emails
                if notifications[str(m["X-IOC-Notification-Id"])][0] == "firing"
            ]
            assert sorted(set(firing)) == sorted(firing)
            assert len(firing) == 3
            # Decided once, before the restart; the restarted service decides nothing again.
            assert Counter(kind for kind, _ in notifications.values())["firing"] == 3
        finally:
            await reader.close()
    finally:
        alerts.kill()
