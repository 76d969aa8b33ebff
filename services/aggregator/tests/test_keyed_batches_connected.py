"""SeriesUpdated leave as record batches per partition (`ioc_messaging.keyed_batches`):
against the real broker, each lands where aiokafka's own `send()` would have put its
key, in order, with its header, and a batch Kafka refuses fails the announcement."""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Sequence

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import MessageSizeTooLargeError
from faststream.kafka import KafkaBroker
from prometheus_client import CollectorRegistry, Counter

from ioc_aggregator.domain.batch import Announcement
from ioc_aggregator.outbound.kafka_publisher import KafkaPublisher
from ioc_contracts.topics import series_key_bytes
from ioc_messaging.clients import SAFE_PRODUCER_OPTIONS
from ioc_storage.quarantine import QuarantinedRecord
from ioc_testing.pipeline import PipelineTopics

from .feeding import drain

pytestmark = pytest.mark.connected


class _NoQuarantine:
    async def hold(self, records: Sequence[QuarantinedRecord]) -> None:
        raise AssertionError("SeriesUpdated are never quarantined")


def _publisher(updates_topic: str, producer: AIOKafkaProducer) -> KafkaPublisher:
    return KafkaPublisher(
        KafkaBroker(),
        dlq_topic="unused",
        updates_topic=updates_topic,
        quarantine=_NoQuarantine(),
        quarantined=Counter("q", "q", ["code"], registry=CollectorRegistry()),
        updates_producer=producer,
    )


def _announcements(count: int, padding: int) -> list[Announcement]:
    """`count` series, each with a payload of about `padding` bytes: enough that one
    partition's records fill several of the producer's 16 KiB batches."""
    return [
        Announcement(
            f"indicator-{n % 37}",
            f"scope-{n}",
            json.dumps({"n": n, "event_ids": [str(uuid.uuid4())] * (padding // 40)}),
        )
        for n in range(count)
    ]


async def test_each_update_lands_where_send_would_put_its_key_in_order(
    kafka_bootstrap: str, pipeline_topics: PipelineTopics
) -> None:
    updates = _announcements(400, padding=2_000)
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, **SAFE_PRODUCER_OPTIONS)
    await producer.start()
    try:
        publisher = _publisher(pipeline_topics.updates, producer)
        await (await publisher.series_updated(updates))
        # The reference: the partition aiokafka's send() picks for the same key, on a
        # topic with as many partitions.
        expected = {}
        for update in updates:
            key = series_key_bytes(update.indicator, update.scope)
            sent = await producer.send_and_wait(pipeline_topics.events, b"probe", key=key)
            expected[key] = sent.partition
    finally:
        await producer.stop()
    records = await drain(kafka_bootstrap, pipeline_topics.updates, expected=len(updates))
    assert len(records) == len(updates)
    assert {r.key for r in records} == set(expected)
    # Every partition is used: a partitioner that put everything in one would pass the
    # order check below trivially.
    assert len({r.partition for r in records}) == 3
    by_partition: dict[int, list[bytes]] = defaultdict(list)
    for record in sorted(records, key=lambda r: (r.partition, r.offset)):
        assert record.partition == expected[record.key], record.key
        assert record.headers == (("content-type", b"application/json"),)
        by_partition[record.partition].append(record.value)
    payloads = {series_key_bytes(u.indicator, u.scope): u.payload.encode() for u in updates}
    for partition, values in by_partition.items():
        in_order = [payloads[k] for k in payloads if expected[k] == partition]
        assert values == in_order, f"partition {partition} out of order"


async def test_a_batch_kafka_refuses_fails_the_announcement(kafka_bootstrap: str) -> None:
    topic = f"keyed-refused-{uuid.uuid4().hex[:8]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, **SAFE_PRODUCER_OPTIONS)
    try:
        # A topic that takes record batches of at most 2 KB: the broker refuses ours.
        await admin.create_topics(
            [NewTopic(topic, 2, 1, topic_configs={"max.message.bytes": "2048"})]
        )
        await producer.start()
        publisher = _publisher(topic, producer)
        acknowledged = await publisher.series_updated(_announcements(5, padding=5_000))
        with pytest.raises(MessageSizeTooLargeError):
            await acknowledged
    finally:
        await producer.stop()
        await admin.delete_topics([topic])
        await admin.close()
