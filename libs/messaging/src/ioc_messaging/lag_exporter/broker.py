"""Reads committed offsets and partition ends from Kafka: the exporter's one adapter."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from types import TracebackType
from typing import Any

from aiokafka import TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from ioc_messaging.clients import safe_consumer
from ioc_messaging.lag_exporter.arithmetic import PartitionOffsets
from ioc_messaging.lag_exporter.settings import WatchedGroup
from ioc_messaging.security import connection_options
from ioc_messaging.settings import KafkaSettings

log = logging.getLogger(__name__)

# The broker's answer for a partition the group holds no offset on.
_NO_OFFSET = -1


class BrokerOffsets:
    """An admin client for the groups' offsets and a consumer of no group for the ends.

    The consumer reads read_committed like the pipeline's own, so an open transaction's
    records are not counted as waiting before any consumer could read them.
    """

    def __init__(self, kafka: KafkaSettings) -> None:
        self._admin = AIOKafkaAdminClient(**connection_options(kafka))
        self._consumer = safe_consumer(kafka, group_id=None)
        self._missing_topics: set[str] = set()

    async def __aenter__(self) -> BrokerOffsets:
        await self._admin.start()
        try:
            await self._consumer.start()
        except BaseException:
            await self._admin.close()
            raise
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        try:
            await self._consumer.stop()
        finally:
            await self._admin.close()

    async def read(self, watched: Sequence[WatchedGroup]) -> list[PartitionOffsets]:
        partitions = await self._partitions({w.topic for w in watched})
        everything = [tp for tps in partitions.values() for tp in tps]
        starts: dict[TopicPartition, int] = await self._consumer.beginning_offsets(everything)
        ends: dict[TopicPartition, int] = await self._consumer.end_offsets(everything)
        readings: list[PartitionOffsets] = []
        for group in watched:
            mine = partitions.get(group.topic, [])
            if not mine:
                continue
            # Offsets as committed, whether or not any member serves the group now.
            committed = await self._admin.list_consumer_group_offsets(group.group, partitions=mine)
            for tp in mine:
                held = committed.get(tp)
                offset = held.offset if held is not None else _NO_OFFSET
                readings.append(
                    PartitionOffsets(
                        service=group.service,
                        group=group.group,
                        topic=tp.topic,
                        partition=tp.partition,
                        committed=None if offset == _NO_OFFSET else int(offset),
                        log_start=starts[tp],
                        log_end=ends[tp],
                    )
                )
        return readings

    async def _partitions(self, topics: set[str]) -> dict[str, list[TopicPartition]]:
        described: list[dict[str, Any]] = await self._admin.describe_topics(sorted(topics))
        found: dict[str, list[TopicPartition]] = {}
        for topic in described:
            name = str(topic["topic"])
            if topic["error_code"] != 0 or not topic["partitions"]:
                if name not in self._missing_topics:
                    # Once per topic: an exporter started before `ioc-topics create`
                    # would otherwise say so every poll.
                    log.warning(
                        "topic %s is not on the broker (error %s)", name, topic["error_code"]
                    )
                    self._missing_topics.add(name)
                continue
            self._missing_topics.discard(name)
            found[name] = sorted(
                (TopicPartition(name, p["partition"]) for p in topic["partitions"]),
                key=lambda tp: tp.partition,
            )
        return found
