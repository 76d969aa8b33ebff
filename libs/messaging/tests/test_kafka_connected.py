"""Publish and consume through the real broker with the project's client settings."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from ioc_contracts import IndicatorEvent
from ioc_contracts.topics import ALL_TOPICS, TopicSpec, series_key_bytes
from ioc_messaging.clients import safe_consumer, safe_producer
from ioc_messaging.settings import KafkaSettings
from ioc_messaging.topics_admin import ensure_topics, topic_drift

pytestmark = pytest.mark.connected


async def test_an_indicator_event_goes_through_the_broker_unchanged(
    kafka_bootstrap: str, unique_name: str
) -> None:
    settings = KafkaSettings(bootstrap_servers=kafka_bootstrap)
    spec = TopicSpec(name=unique_name, partitions=3, retention_ms=3_600_000, description="test")
    assert await ensure_topics(settings, [spec]) == [spec]
    assert await ensure_topics(settings, [spec]) == []  # idempotent
    sent = IndicatorEvent(
        event_id=uuid.uuid4(),
        agency="vp-ubnd",
        indicator="dvc.paperless-rate",
        scope="province",
        observed_at=datetime(2023, 6, 1, tzinfo=UTC),
        value=37.0,
        numerator=731,
        denominator=1950,
        source="Quyết định phê duyệt danh mục DVCTT không nhận hồ sơ giấy",
    )
    producer = safe_producer(settings)
    await producer.start()
    try:
        metadata = await producer.send_and_wait(
            unique_name,
            sent.model_dump_json().encode(),
            key=series_key_bytes(sent.indicator, sent.scope),
        )
    finally:
        await producer.stop()
    consumer = safe_consumer(settings, unique_name, group_id=f"{unique_name}.reader")
    await consumer.start()
    try:
        record = await consumer.getone()
    finally:
        await consumer.stop()
    assert record.partition == metadata.partition
    assert record.key == b"dvc.paperless-rate|province"
    assert IndicatorEvent.model_validate_json(record.value) == sent


async def test_the_contract_topics_exist_with_their_partitions(kafka_bootstrap: str) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        described = await admin.describe_topics([spec.name for spec in ALL_TOPICS])
    finally:
        await admin.close()
    partitions = {topic["topic"]: len(topic["partitions"]) for topic in described}
    assert partitions == {spec.name: spec.partitions for spec in ALL_TOPICS}


async def test_the_client_defaults_are_the_safe_ones() -> None:
    producer = safe_producer(KafkaSettings())
    # aiokafka keeps these private; the defaults (acks=1, no idempotence, auto-commit)
    # are what "nothing lost" must not run with, so they are worth a peek.
    assert producer._txn_manager is not None  # idempotence on
    assert producer._sender._acks == -1  # acks=all
    consumer = safe_consumer(KafkaSettings(), "x", group_id="g")
    assert consumer._enable_auto_commit is False


async def test_drift_from_the_contract_is_reported_in_words(
    kafka_bootstrap: str, unique_name: str
) -> None:
    settings = KafkaSettings(bootstrap_servers=kafka_bootstrap)
    made = TopicSpec(name=unique_name, partitions=2, retention_ms=3_600_000, description="test")
    await ensure_topics(settings, [made])
    contract = dataclasses.replace(made, partitions=6)
    absent = dataclasses.replace(made, name=f"{unique_name}.absent")

    assert await topic_drift(settings, [made]) == []
    assert await topic_drift(settings, [contract, absent]) == [
        f"{unique_name}: 2 partitions, the contract says 6",
        f"{unique_name}.absent: missing (run `ioc-topics create`)",
    ]
    three = KafkaSettings(bootstrap_servers=kafka_bootstrap, replication_factor=3)
    assert await topic_drift(three, [made]) == [
        f"{unique_name}: 1 replicas, IOC_KAFKA_REPLICATION_FACTOR asks for 3"
    ]


async def test_more_copies_than_brokers_is_refused_with_the_reason(
    kafka_bootstrap: str, unique_name: str
) -> None:
    three = KafkaSettings(bootstrap_servers=kafka_bootstrap, replication_factor=3)
    spec = TopicSpec(name=unique_name, partitions=1, retention_ms=3_600_000, description="test")
    with pytest.raises(KafkaError, match="fewer brokers than the 3 copies"):
        await ensure_topics(three, [spec])
