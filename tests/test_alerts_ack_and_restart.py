"""The acknowledgement link in a real browser, and a restart between deciding and sending."""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import tempfile
from email.message import EmailMessage
from pathlib import Path

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer

from ioc_testing import ScratchDatabase
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
            mail.port, IOC_RETRY_BASE_DELAY_SECONDS="0.5", IOC_RETRY_MAX_DELAY_SECONDS="1"
        ),
    )


def _open_in_chromium(url: str) -> str:
    """The page as Chromium shows it after its scripts ran (the form submits itself)."""
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
async def test_the_ack_link_in_a_browser_acknowledges_exactly_once(
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

        first = await asyncio.to_thread(_open_in_chromium, link.group(1))
        second = await asyncio.to_thread(_open_in_chromium, link.group(1))
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

        try:
            await wait_for(decided_and_tried, what="failed attempts while the mail server is down")
            alerts.kill()  # between "decided to notify" and "sent"
            mail_server.start()
            alerts.start()
            alerts.wait_ready()

            async def delivered() -> bool:
                return len(_paperless(mail_server.mailbox.messages)) >= 3

            await wait_for(delivered, what="delivery after the restart")
            await asyncio.sleep(3)  # a stretch in which a duplicate would show up
            recipients = [
                m["To"].addresses[0].addr_spec for m in _paperless(mail_server.mailbox.messages)
            ]
            assert len(recipients) == 3
            assert len(set(recipients)) == 3
            decisions = await reader.fetchval(
                "SELECT count(*) FROM ioc.notifications n JOIN ioc.alerts a ON a.id = n.alert_id "
                "WHERE a.target = 'dvc.paperless-100' AND n.kind = 'firing'"
            )
            assert decisions == 3  # decided once, before and after the restart
            sent = await reader.fetchval(
                "SELECT count(*) FROM ioc.notifications n JOIN ioc.alerts a ON a.id = n.alert_id "
                "WHERE a.target = 'dvc.paperless-100' AND n.status = 'sent'"
            )
            assert sent == 3
        finally:
            await reader.close()
    finally:
        alerts.kill()
