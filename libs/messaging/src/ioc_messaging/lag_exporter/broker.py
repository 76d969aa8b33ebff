"""Reads committed offsets and partition ends from Kafka: the exporter's one adapter."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from types import TracebackType
from typing import Any

from aiokafka import TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import GroupAuthorizationFailedError, TopicAuthorizationFailedError

from ioc_messaging.clients import safe_consumer
from ioc_messaging.lag_exporter.arithmetic import PartitionOffsets, Reading, UnreadableGroup
from ioc_messaging.lag_exporter.settings import WatchedGroup
from ioc_messaging.security import connection_options
from ioc_messaging.settings import KafkaSettings

log = logging.getLogger(__name__)

# The broker's answer for a partition the group holds no offset on.
_NO_OFFSET = -1
# Why a watched group is not measured (the `reason` label of the unreadable gauge).
_NOT_AUTHORIZED = "not authorized"
_NO_TOPIC = "no such topic"


class BrokerOffsets:
    """An admin client for the groups' offsets and a consumer of no group for the ends.

    The consumer reads read_committed like the pipeline's own, so an open transaction's
    records are not counted as waiting before any consumer could read them.
    """

    def __init__(self, kafka: KafkaSettings) -> None:
        self._admin = AIOKafkaAdminClient(**connection_options(kafka))
        self._consumer = safe_consumer(kafka, group_id=None)
        # What the log said could not be read, so it says so once.
        self._told: set[tuple[str, str]] = set()

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

    async def read(self, watched: Sequence[WatchedGroup]) -> Reading:
        """Every watched group's offsets. A group the exporter may not describe, or whose
        topic is not there, is named unreadable and the others are still measured: one
        rule an operator forgot must not blind the exporter to every group."""
        partitions, missing = await self._partitions({w.topic for w in watched})
        everything = [tp for tps in partitions.values() for tp in tps]
        starts: dict[TopicPartition, int] = await self._consumer.beginning_offsets(everything)
        ends: dict[TopicPartition, int] = await self._consumer.end_offsets(everything)
        reading = Reading([], [])
        for group in watched:
            mine = partitions.get(group.topic, [])
            if not mine:
                reason = missing.get(group.topic, _NO_TOPIC)
                reading.unreadable.append(_unreadable(group, reason))
                continue
            try:
                # Offsets as committed, whether or not any member serves the group now.
                committed = await self._admin.list_consumer_group_offsets(
                    group.group, partitions=mine
                )
            except GroupAuthorizationFailedError:
                self._tell(
                    ("group", group.group),
                    "not authorized to describe group %s: grant the exporter's Kafka user "
                    "DESCRIBE on it",
                    group.group,
                )
                reading.unreadable.append(_unreadable(group, _NOT_AUTHORIZED))
                continue
            self._told.discard(("group", group.group))
            for tp in mine:
                held = committed.get(tp)
                offset = held.offset if held is not None else _NO_OFFSET
                reading.offsets.append(
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
        return reading

    def _tell(self, about: tuple[str, str], message: str, *args: object) -> None:
        """Logs `message` once until `about` is readable again: an exporter started
        before `ioc-topics create`, or missing a rule, would otherwise say so every poll."""
        if about not in self._told:
            log.warning(message, *args)
            self._told.add(about)

    async def _partitions(
        self, topics: set[str]
    ) -> tuple[dict[str, list[TopicPartition]], dict[str, str]]:
        """The partitions of each topic there, and why each other topic is not."""
        described: list[dict[str, Any]] = await self._admin.describe_topics(sorted(topics))
        found: dict[str, list[TopicPartition]] = {}
        missing: dict[str, str] = {}
        for topic in described:
            name, code = str(topic["topic"]), int(topic["error_code"])
            if code == TopicAuthorizationFailedError.errno:
                missing[name] = _NOT_AUTHORIZED
                self._tell(
                    ("topic", name),
                    "not authorized to describe topic %s: grant the exporter's Kafka user "
                    "DESCRIBE on it",
                    name,
                )
                continue
            if code != 0 or not topic["partitions"]:
                missing[name] = _NO_TOPIC
                self._tell(("topic", name), "topic %s is not on the broker (error %s)", name, code)
                continue
            self._told.discard(("topic", name))
            found[name] = sorted(
                (TopicPartition(name, p["partition"]) for p in topic["partitions"]),
                key=lambda tp: tp.partition,
            )
        return found, missing


def _unreadable(group: WatchedGroup, reason: str) -> UnreadableGroup:
    return UnreadableGroup(
        service=group.service, group=group.group, topic=group.topic, reason=reason
    )
