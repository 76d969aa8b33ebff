"""The mail server is down while an alert fires, then comes back: every notification
decided meanwhile is delivered, once."""

from __future__ import annotations

import asyncio
import time
from collections import Counter

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer

from ioc_testing import ScratchDatabase
from ioc_testing.alert_service import AlertsLauncher
from ioc_testing.ledger import FaultResult, record_result
from ioc_testing.mail import MailServer
from ioc_testing.pipeline import (
    PipelineTopics,
    ServiceProcess,
    mailing_settings,
    publish_slow_paperless,
    wait_for,
)

pytestmark = pytest.mark.connected

DELIVERY_BOUND_SECONDS = 30.0
OBSERVATION_SECONDS = 3.0

_FAILED_DURING_OUTAGE = """
SELECT DISTINCT n.id::text AS id FROM ioc.notifications n
JOIN ioc.notification_attempts t ON t.notification_id = n.id
WHERE n.channel = 'email' AND t.outcome = 'retryable'
"""


async def test_smtp_down_while_an_alert_fires_then_back_delivers_once(
    aggregator_process: ServiceProcess,
    launch_alerts: AlertsLauncher,
    catalog_database: ScratchDatabase,
    pipeline_topics: PipelineTopics,
    mail_server: MailServer,
    producer: AIOKafkaProducer,
    request: pytest.FixtureRequest,
) -> None:
    mail_server.stop()
    alerts = launch_alerts(
        **mailing_settings(
            mail_server.port,
            IOC_RETRY_BASE_DELAY_SECONDS="0.5",
            IOC_RETRY_MAX_DELAY_SECONDS="1",
            # Outlasts the outage: this test is not about giving up.
            IOC_RETRY_MAX_ATTEMPTS="100",
        ),
    )
    aggregator_process.start()
    alerts.start()
    reader = await asyncpg.connect(catalog_database.dsns["reader"])
    try:
        await asyncio.to_thread(alerts.wait_ready)
        await publish_slow_paperless(producer, pipeline_topics.events)

        async def failing() -> bool:
            attempts = await reader.fetchval(
                "SELECT count(*) FROM ioc.notification_attempts t "
                "JOIN ioc.notifications n ON n.id = t.notification_id "
                "JOIN ioc.alerts a ON a.id = n.alert_id "
                "WHERE a.target = 'dvc.paperless-100' AND t.outcome = 'retryable'"
            )
            return bool(attempts >= 6)

        await wait_for(failing, what="failed deliveries while the mail server is down")
        failed = {row["id"] for row in await reader.fetch(_FAILED_DURING_OUTAGE)}
        mail_server.start()
        back = time.monotonic()

        async def all_sent() -> bool:
            sent = await reader.fetchval(
                "SELECT count(*) FROM ioc.notifications "
                "WHERE id = ANY($1::uuid[]) AND status = 'sent'",
                list(failed),
            )
            return bool(sent == len(failed))

        await wait_for(
            all_sent, within=DELIVERY_BOUND_SECONDS, what="delivery once the server is back"
        )
        recovery = time.monotonic() - back

        # Every email notification settled (an email is accepted by the server before its
        # notification is marked sent): none is on its way while the two are compared.
        async def settled() -> bool:
            pending = await reader.fetchval(
                "SELECT count(*) FROM ioc.notifications "
                "WHERE channel = 'email' AND status = 'pending'"
            )
            return bool(pending == 0)

        await wait_for(settled, what="every email notification to be settled")
        await asyncio.sleep(OBSERVATION_SECONDS)  # a stretch in which a duplicate would show
        sent_ids = {
            row["id"]
            for row in await reader.fetch(
                "SELECT id::text AS id FROM ioc.notifications "
                "WHERE channel = 'email' AND status = 'sent'"
            )
        }
    finally:
        await reader.close()
        alerts.kill()  # before the mailbox is read: nothing arrives while it is counted
    delivered = Counter(
        str(message["X-IOC-Notification-Id"]) for message in mail_server.mailbox.messages
    )
    lost = failed - set(delivered)
    duplicated = sum(count - 1 for count in delivered.values())
    record_result(
        FaultResult(
            fault="SMTP down, then back",
            description="the mail server is stopped before a deadline alert fires; the "
            "alert service retries (backoff 0.5–1 s) until the server is started again",
            test=request.node.nodeid,
            events=len(failed),
            lost=len(lost),
            duplicated=duplicated,
            recovery_seconds=round(recovery, 2),
            bound_seconds=DELIVERY_BOUND_SECONDS,
            acknowledged=len(failed),
            stored=len(failed) - len(lost),
            holds=not lost and not duplicated and set(delivered) <= sent_ids,
            note=f"events = notifications that failed while the server was down; "
            f"{sum(delivered.values())} emails received in all",
        )
    )
    assert len(failed) >= 3  # the three people the paperless target notifies, at least
    assert not lost, f"never delivered: {sorted(lost)}"
    assert not duplicated, f"delivered more than once: {delivered.most_common(3)}"
    assert set(delivered) <= sent_ids, "an email went out for a notification not marked sent"
