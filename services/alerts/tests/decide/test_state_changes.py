"""The state-change publisher on the real database and Kafka: every recorded change
reaches `ioc.alerts` once, in order, keyed by its target; a second pass sends nothing."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer
from prometheus_client import CollectorRegistry

from ioc_alerts.adapters.catalog import load_alerting_catalog
from ioc_alerts.decide.evaluator import Evaluator
from ioc_alerts.decide.state_changes import StateChangePublisher
from ioc_alerts.lifecycle.quiet_hours import QuietHours
from ioc_alerts.lifecycle.routing import Delivery
from ioc_alerts.metrics import AlertMetrics
from ioc_contracts import AlertStateChanged
from ioc_messaging.clients import safe_broker
from ioc_storage.catalog_cache import CatalogCache
from ioc_testing.pipeline import PipelineTopics

pytestmark = pytest.mark.connected

NOW = datetime.now(UTC).replace(microsecond=0)
ON_TIME = ("dvc.ontime-rate", "province")


async def _read(bootstrap: str, topic: str, count: int) -> list[Any]:
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False
    )
    await consumer.start()
    try:
        records: list[Any] = []
        deadline = time.monotonic() + 60
        while len(records) < count and time.monotonic() < deadline:
            batches = await consumer.getmany(timeout_ms=500)
            records += [record for batch in batches.values() for record in batch]
        return records
    finally:
        await consumer.stop()


async def test_recorded_changes_are_published_once_in_order(
    alerts_pool: asyncpg.Pool,
    figures: Any,
    pipeline_topics: PipelineTopics,
    kafka_bootstrap: str,
) -> None:
    registry = CollectorRegistry()
    metrics = AlertMetrics.create(registry)
    clock = [NOW]
    evaluator = Evaluator(
        pool=alerts_pool,
        catalog=CatalogCache(alerts_pool, load_alerting_catalog, refresh_seconds=60).current,
        delivery=Delivery(webhook_enabled=False, quiet_hours=QuietHours()),
        repeat_every=timedelta(hours=12),
        metrics=metrics,
        clock=lambda: clock[0],
    )
    await figures.put(*ON_TIME, (NOW - timedelta(days=1), 81.5))
    await evaluator.evaluate_series({ON_TIME})
    # The agency revises the figure that broke the line.
    await figures.put(*ON_TIME, (NOW - timedelta(days=1), 99.0))
    clock[0] = NOW + timedelta(minutes=1)
    await evaluator.evaluate_series({ON_TIME})

    broker = safe_broker(kafka_bootstrap, client_id="test-alerts", logger_name="test.kafka")
    await broker.start()
    try:
        publisher = StateChangePublisher(alerts_pool, broker, pipeline_topics.alerts, metrics)
        assert await publisher.publish_pending() == 2
        assert await publisher.publish_pending() == 0
    finally:
        await broker.stop()

    records = await _read(kafka_bootstrap, pipeline_topics.alerts, 2)
    changes = [AlertStateChanged.model_validate_json(r.value) for r in records]
    assert [(c.state.value, c.target_id) for c in changes] == [
        ("firing", "dvc.ontime-95"),
        ("resolved", "dvc.ontime-95"),
    ]
    assert {r.key for r in records} == {b"dvc.ontime-95"}
    assert changes[1].summary_vi  # the assessment's reason, in Vietnamese
    unpublished = await alerts_pool.fetchval(
        "SELECT count(*) FROM ioc.alert_outbox WHERE published_at IS NULL"
    )
    assert unpublished == 0
    assert registry.get_sample_value("ioc_alerts_state_changes_published_total") == 2
