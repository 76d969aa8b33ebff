"""Clients for the connected Kafka security tests: one record in or out, under a bound,
and an action the broker must refuse."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import TopicAuthorizationFailedError

from ioc_contracts.topics import TopicSpec
from ioc_messaging.acls import ADMIN_PRINCIPAL, Acl, Topology
from ioc_messaging.clients import safe_consumer, safe_producer
from ioc_messaging.settings import KafkaSettings
from ioc_messaging.topics_admin import ensure_topics
from ioc_testing.kafka_logins import SaslListener, rules_in_force

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


@contextlib.asynccontextmanager
async def granted_topology(
    bootstrap: str,
    listener: SaslListener,
    name: str,
    rules: Callable[[Topology], Iterable[Acl]],
) -> AsyncIterator[Topology]:
    """A test's own topics (made) and groups, with `rules` for them in force at the broker
    for the block, removed after it."""
    topology = unique_topology(name)
    await ensure_topics(KafkaSettings(bootstrap_servers=bootstrap), topic_specs(topology))
    # In force before the test acts on them: the broker applies new rules a moment
    # after the controller accepted them.
    async with rules_in_force(listener.settings(ADMIN_PRINCIPAL), rules(topology)):
        yield topology
