"""Clients for the connected Kafka security tests: one record in or out, under a bound,
and an action the broker must refuse."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import TopicAuthorizationFailedError

from ioc_contracts.topics import TopicSpec
from ioc_messaging.acls import Topology
from ioc_messaging.clients import safe_consumer, safe_producer
from ioc_messaging.settings import KafkaSettings

# Generous: the broker shares two cores with the whole test suite.
WAIT_S = 60.0


async def produce(settings: KafkaSettings, topic: str, value: bytes = b"figure") -> int:
    """Sends one record and waits for acks=all; returns its offset."""
    producer = safe_producer(settings, request_timeout_ms=30_000)
    try:
        await asyncio.wait_for(producer.start(), WAIT_S)
        metadata = await asyncio.wait_for(
            producer.send_and_wait(topic, value, key=b"dvc.paperless-rate|province"), WAIT_S
        )
    finally:
        await producer.stop()
    offset: int = metadata.offset
    return offset


async def consume_one(settings: KafkaSettings, topic: str, *, group: str | None) -> bytes:
    """Reads the first record of `topic`, as a group member or by assigning partition 0."""
    consumer: AIOKafkaConsumer = safe_consumer(
        settings, *([topic] if group else []), group_id=group
    )
    try:
        await asyncio.wait_for(consumer.start(), WAIT_S)
        if group is None:
            consumer.assign([TopicPartition(topic, 0)])
        record = await asyncio.wait_for(consumer.getone(), WAIT_S)
    finally:
        await consumer.stop()
    value: bytes = record.value
    return value


async def refused(
    action: Awaitable[Any],
    error: type[Exception] | tuple[type[Exception], ...] = TopicAuthorizationFailedError,
) -> None:
    with pytest.raises(error):
        await action


def unique_topology(name: str) -> Topology:
    """Topics and consumer groups of one test's own, named after it."""
    return Topology(
        events_topic=f"{name}.events",
        dlq_topic=f"{name}.events.dlq",
        series_updated_topic=f"{name}.series-updated",
        alerts_topic=f"{name}.alerts",
        aggregator_group=f"{name}.aggregator",
        alerts_group=f"{name}.alerts",
        derived_group=f"{name}.derived",
    )


def topic_specs(topology: Topology) -> list[TopicSpec]:
    names = [
        topology.events_topic,
        topology.dlq_topic,
        topology.series_updated_topic,
        topology.alerts_topic,
    ]
    # One partition each, so a record written is the one partition 0 reads.
    return [TopicSpec(name=n, partitions=1, retention_ms=3_600_000, description="t") for n in names]
