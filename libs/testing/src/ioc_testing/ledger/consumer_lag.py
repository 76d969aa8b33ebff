"""How far a consumer group is behind a topic, and waiting until it has caught up."""

from __future__ import annotations

import asyncio
import time

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError


class LagProbe:
    """Consumer lag of a group on a topic: end offsets minus committed offsets, summed."""

    def __init__(self, bootstrap: str, group: str, topic: str) -> None:
        self.group = group
        self.topic = topic
        self._admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
        self._consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None)

    async def __aenter__(self) -> LagProbe:
        await self._admin.start()
        await self._consumer.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._consumer.stop()
        await self._admin.close()

    async def lag(self) -> int:
        described = await self._admin.describe_topics([self.topic])
        partitions = [
            TopicPartition(self.topic, p["partition"]) for p in described[0]["partitions"]
        ]
        ends = await self._consumer.end_offsets(partitions)
        committed = await self._admin.list_consumer_group_offsets(self.group, partitions=partitions)
        return sum(
            max(0, ends[tp] - max(0, committed[tp].offset if tp in committed else 0))
            for tp in partitions
        )


async def wait_for_zero_lag(bootstrap: str, group: str, topic: str, *, within: float) -> float:
    """Seconds until the group has committed everything in the topic; fails past `within`."""
    started = time.monotonic()
    last: int | str = "unknown"
    async with LagProbe(bootstrap, group, topic) as probe:
        while time.monotonic() - started <= within:
            try:
                last = await probe.lag()
            except KafkaError as error:  # the broker itself may still be coming back
                last = repr(error)
            if last == 0:
                return time.monotonic() - started
            await asyncio.sleep(0.25)
    raise AssertionError(f"consumer lag of {group} still {last} after {within} s")
