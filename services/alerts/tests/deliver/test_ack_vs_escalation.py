"""Acknowledging and escalating the same alert at once: serialised by the target's lock,
and an escalation that lost the race is not sent."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from prometheus_client import CollectorRegistry

from ioc_alerts.adapters import alerts, operations
from ioc_alerts.adapters.catalog import load_alerting_catalog
from ioc_alerts.deliver.context_builder import LinkSettings
from ioc_alerts.deliver.dispatcher import Dispatcher
from ioc_alerts.metrics import AlertMetrics
from ioc_alerts.notify.delivery import DeliveryResult, OutgoingMessage
from ioc_alerts.notify.retry import RetryPolicy
from ioc_contracts.catalog import Recipient
from ioc_storage.catalog_cache import CatalogCache
from ioc_testing import ScratchDatabase

pytestmark = pytest.mark.connected


@pytest.fixture
async def pool(catalog_database: ScratchDatabase) -> AsyncIterator[asyncpg.Pool]:
    pool = await asyncpg.create_pool(catalog_database.dsns["alerts"], min_size=2, max_size=6)
    try:
        yield pool
    finally:
        await pool.close()


async def _firing(pool: asyncpg.Pool) -> tuple[uuid.UUID, str]:
    target: str = await pool.fetchval("SELECT code FROM ioc.targets ORDER BY code LIMIT 1")
    alert_id = uuid.uuid4()
    await pool.execute(
        "INSERT INTO ioc.alerts (id, target, state, risk_status, severity, current_value, "
        "opened_at, updated_at) VALUES ($1, $2, 'firing', 'off_track', 'critical', 40.0, "
        "now() - interval '2 days', now())",
        alert_id,
        target,
    )
    return alert_id, target


async def _waiting_on_a_lock(pool: asyncpg.Pool, pid: int) -> bool:
    event = await pool.fetchval("SELECT wait_event_type FROM pg_stat_activity WHERE pid = $1", pid)
    return bool(event == "Lock")


async def test_an_acknowledgement_waits_for_an_escalation_being_decided(
    pool: asyncpg.Pool,
) -> None:
    alert_id, target = await _firing(pool)
    now = datetime.now(UTC)
    async with pool.acquire() as evaluator, pool.acquire() as operator:
        operator_pid = operator.get_server_pid()
        decision = evaluator.transaction()
        await decision.start()
        # What the evaluator does for a decision: the target's lock, then read the alert.
        await alerts.lock_target(evaluator, target)
        stored = await alerts.open_alert(evaluator, target)
        assert stored is not None
        assert stored.open.state.value == "firing"  # so it decides to escalate

        ack = asyncio.create_task(
            operations.acknowledge(operator, alert_id, by="Trực ban IOC", now=now)
        )
        deadline = time.monotonic() + 30
        while not await _waiting_on_a_lock(pool, operator_pid):
            assert time.monotonic() < deadline, "the acknowledgement never waited"
            assert not ack.done(), "acknowledged while an escalation was being decided"
            await asyncio.sleep(0.05)

        await evaluator.execute(
            "UPDATE ioc.alerts SET escalation_level = 1 WHERE id = $1", alert_id
        )
        await evaluator.execute(
            "INSERT INTO ioc.notifications (id, alert_id, recipient, channel, kind, "
            "dedup_key, next_attempt_at, created_at) "
            "VALUES ($1, $2, 'chu-tich-ubnd', 'email', 'escalation', $3, $4, $4)",
            uuid.uuid4(),
            alert_id,
            f"{alert_id}:escalation",
            now,
        )
        assert not ack.done()
        await decision.commit()
        changed, row = await asyncio.wait_for(ack, 30)
    assert changed
    assert row is not None
    assert row.state == "acknowledged"
    assert row.escalation_level == 1  # written after the escalation, not before it


async def test_an_escalation_that_lost_the_race_is_not_sent(pool: asyncpg.Pool) -> None:
    alert_id, _ = await _firing(pool)
    escalation = uuid.uuid4()
    await pool.execute(
        "INSERT INTO ioc.notifications (id, alert_id, recipient, channel, kind, dedup_key, "
        "next_attempt_at, created_at) VALUES ($1, $2, 'chu-tich-ubnd', 'email', 'escalation', "
        "$3, now() - interval '1 second', now())",
        escalation,
        alert_id,
        str(escalation),
    )
    async with pool.acquire() as connection:
        changed, _ = await operations.acknowledge(
            connection, alert_id, by="Trực ban IOC", now=datetime.now(UTC)
        )
    assert changed

    sent: list[str] = []

    class Email:
        name = "email"

        async def send(self, recipient: Recipient, message: OutgoingMessage) -> DeliveryResult:
            sent.append(message.notification_id)
            return DeliveryResult.sent(250)

    dispatcher = Dispatcher(
        pool=pool,
        catalog=CatalogCache(pool, load_alerting_catalog, refresh_seconds=60).current,
        channels={"email": Email()},
        links=LinkSettings("http://127.0.0.1:1", b"k" * 32, None),
        retry=RetryPolicy(),
        metrics=AlertMetrics.create(CollectorRegistry()),
        send_deadline=timedelta(seconds=10),
    )
    assert await dispatcher.dispatch_due() == 1
    await dispatcher.drain()
    assert sent == []
    status = await pool.fetchval("SELECT status FROM ioc.notifications WHERE id = $1", escalation)
    assert status == "suppressed"
