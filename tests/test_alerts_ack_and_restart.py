"""The acknowledgement link in a real browser, and a restart between deciding and sending."""

from __future__ import annotations

import asyncio
import re
import signal
import time
from collections import Counter

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer

from ioc_storage.connection import Connection
from ioc_testing import ScratchDatabase
from ioc_testing.alert_mail import about_paperless, plain_text
from ioc_testing.alert_service import AlertsLauncher
from ioc_testing.browser import CHROMIUM, chromium_page, rendered_by_link_scanner
from ioc_testing.database import read_rows
from ioc_testing.mail import MailServer
from ioc_testing.pipeline import (
    PipelineTopics,
    ServiceProcess,
    mailing_settings,
    publish_slow_paperless,
    wait_for,
)

pytestmark = pytest.mark.connected


@pytest.fixture
def alerts(launch_alerts: AlertsLauncher, mail_server: MailServer) -> ServiceProcess:
    """The alert service mailing the test's SMTP server, retrying within a second."""
    return launch_alerts(
        **mailing_settings(
            mail_server.port,
            IOC_RETRY_BASE_DELAY_SECONDS="0.5",
            IOC_RETRY_MAX_DELAY_SECONDS="1",
            # One timeline for every process of the test: restarted, the service carries
            # on from where its clock was instead of going back to the start, where the
            # retries its predecessor scheduled would lie in the future.
            IOC_ALERTS_CLOCK_ANCHOR=str(time.time()),
        )
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


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium package is not installed")
async def test_the_ack_link_in_a_browser_acknowledges_only_when_pressed_and_once(
    aggregator_process: ServiceProcess,
    alerts: ServiceProcess,
    catalog_database: ScratchDatabase,
    pipeline_topics: PipelineTopics,
    mail_server: MailServer,
    producer: AIOKafkaProducer,
) -> None:
    aggregator_process.start()
    alerts.start()
    alerts.wait_ready()
    await publish_slow_paperless(producer, pipeline_topics.events)

    async def told() -> bool:
        return len(about_paperless(mail_server.mailbox.messages)) >= 3

    await wait_for(told, what="the firing emails")
    body = plain_text(about_paperless(mail_server.mailbox.messages)[0])
    link = re.search(r"(http://127\.0\.0\.1:\d+/ack/\S+)", body)
    assert link is not None

    # A mail gateway's headless browser loads the link and runs its scripts.
    scanned = await asyncio.to_thread(rendered_by_link_scanner, link.group(1))
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

    acks = await read_rows(
        catalog_database,
        "SELECT o.payload->>'changed_by' AS by FROM ioc.alert_outbox o "
        "JOIN ioc.alerts a ON a.id = o.alert_id "
        "WHERE a.target = 'dvc.paperless-100' AND o.payload->>'state' = 'acknowledged'",
    )
    (alert,) = await read_rows(
        catalog_database,
        "SELECT state, acknowledged_by FROM ioc.alerts WHERE target = 'dvc.paperless-100'",
    )
    assert len(acks) == 1
    assert alert["state"] == "acknowledged"
    assert "Trực ban" in alert["acknowledged_by"] or alert["acknowledged_by"] == acks[0]["by"]


async def test_a_restart_between_deciding_and_sending_loses_and_repeats_nothing(
    aggregator_process: ServiceProcess,
    alerts: ServiceProcess,
    catalog_database: ScratchDatabase,
    pipeline_topics: PipelineTopics,
    mail_server: MailServer,
    producer: AIOKafkaProducer,
) -> None:
    # The mail server is down: the decision is stored, sending keeps failing.
    mail_server.stop()
    aggregator_process.start()
    alerts.start()
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
        emails = about_paperless(mail_server.mailbox.messages)
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
