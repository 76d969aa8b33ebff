"""Kafka fixtures of ingest's tests: a topic of the test's own, and reading it back."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Protocol

import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.structs import ConsumerRecord, TopicPartition

TOPIC_PARTITIONS = 3


class ReadTopic(Protocol):
    async def __call__(
        self, name: str, count: int, *, within: float = 60.0
    ) -> list[ConsumerRecord]: ...


class TopicSize(Protocol):
    async def __call__(self, name: str) -> int: ...


@contextlib.asynccontextmanager
async def own_topic(kafka_bootstrap: str, name: str) -> AsyncIterator[str]:
    """The topic `name`, with `TOPIC_PARTITIONS` partitions, deleted afterwards."""
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, TOPIC_PARTITIONS, 1)])
        yield name
        await admin.delete_topics([name])
    finally:
        await admin.close()


@pytest.fixture
async def topic(kafka_bootstrap: str, unique_name: str) -> AsyncIterator[str]:
    """A topic of this test's own, deleted afterwards."""
    async with own_topic(kafka_bootstrap, unique_name) as name:
        yield name


@pytest.fixture
def read_topic(kafka_bootstrap: str) -> ReadTopic:
    """Reads a topic from the start until `count` records arrived or the deadline passed."""

    async def read(name: str, count: int, *, within: float = 60.0) -> list[ConsumerRecord]:
        consumer = AIOKafkaConsumer(
            name,
            bootstrap_servers=kafka_bootstrap,
            group_id=None,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
        )
        await consumer.start()
        records: list[ConsumerRecord] = []
        try:
            deadline = asyncio.get_running_loop().time() + within
            while len(records) < count and asyncio.get_running_loop().time() < deadline:
                batches = await consumer.getmany(timeout_ms=500)
                for batch in batches.values():
                    records.extend(batch)
        finally:
            await consumer.stop()
        return records

    return read


@pytest.fixture
def topic_size(kafka_bootstrap: str) -> TopicSize:
    """How many records a topic holds now (its partitions' end offsets, added up)."""

    async def size(name: str) -> int:
        consumer = AIOKafkaConsumer(bootstrap_servers=kafka_bootstrap, group_id=None)
        await consumer.start()
        try:
            partitions = [TopicPartition(name, p) for p in range(TOPIC_PARTITIONS)]
            offsets = await consumer.end_offsets(partitions)
            return sum(offsets.values())
        finally:
            await consumer.stop()

    return size
