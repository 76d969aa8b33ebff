"""A real `BatchPipeline` between a consumer and batch stages written as small real
classes that record what happens, in order: shared by the batch pipeline tests.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from aiokafka import TopicPartition
from aiokafka.errors import KafkaTimeoutError
from prometheus_client import CollectorRegistry

from ioc_aggregator.application.usecase import Announced, DatabaseUnavailableError, Screened
from ioc_aggregator.domain.batch import TopicPartitionKey, commit_offsets
from ioc_aggregator.domain.records import Consumed, SourceRecord
from ioc_aggregator.inbound.pipeline import BatchPipeline
from ioc_aggregator.metrics import AggregatorMetrics
from ioc_catalog.policy import PublishPolicy
from ioc_catalog.screening import ScreeningRules

TOPIC = "ioc.indicator-events"
_NO_RULES = ScreeningRules(PublishPolicy([], []), {}, timedelta(days=1))


def batch(*positions: tuple[int, int]) -> list[SourceRecord]:
    return [Consumed(TOPIC, p, o, b"k", b"{}") for p, o in positions]


class RecordingConsumer:
    """The part of AIOKafkaConsumer the pipeline uses; writes each call to `log`."""

    def __init__(self, log: list[tuple[object, ...]], partitions: Sequence[int]) -> None:
        self.log = log
        self.assigned = {TopicPartition(TOPIC, p) for p in partitions}
        # Records fetched while the handler works, handed out by `getmany`.
        self.arriving: list[SourceRecord] = []

    async def getmany(
        self, *, timeout_ms: int, max_records: int
    ) -> dict[TopicPartition, list[_ConsumerRecord]]:
        taken, self.arriving = self.arriving[:max_records], self.arriving[max_records:]
        fetched: dict[TopicPartition, list[_ConsumerRecord]] = {}
        for record in taken:
            fetched.setdefault(TopicPartition(record.topic, record.partition), []).append(
                _ConsumerRecord(
                    record.topic, record.partition, record.offset, record.key, record.value
                )
            )
        return fetched

    def assignment(self) -> set[TopicPartition]:
        return set(self.assigned)

    def seek(self, partition: TopicPartition, offset: int) -> None:
        self.log.append(("seek", partition.partition, offset))

    async def commit(self, offsets: dict[TopicPartition, int]) -> None:
        self.log.append(("commit", {tp.partition: o for tp, o in sorted(offsets.items())}))

    def highwater(self, partition: TopicPartition) -> int | None:
        # As aiokafka: only an assigned partition has a high water.
        assert partition in self.assigned, "Partition is not assigned"
        return None


@dataclass(frozen=True)
class _ConsumerRecord:
    """The fields of aiokafka's ConsumerRecord the pipeline reads."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None


class GatedStages:
    """Screens at once; stores a batch (named by its first offset) once its store gate
    opens, and has it acknowledged once its ack gate opens; fails either step on demand."""

    def __init__(self, log: list[tuple[object, ...]]) -> None:
        self.log = log
        self.gates: dict[tuple[str, int], asyncio.Event] = {}
        self.database_down: set[int] = set()
        self.kafka_refuses: set[int] = set()
        self.unscreenable: set[int] = set()

    def gate(self, step: str, first: int) -> asyncio.Event:
        return self.gates.setdefault((step, first), asyncio.Event())

    def open(self, step: str, *firsts: int) -> None:
        for first in firsts:
            self.gate(step, first).set()

    async def screen(self, records: Sequence[SourceRecord]) -> Screened:
        first = records[0].offset
        if first in self.unscreenable:
            raise RuntimeError("the rules could not be read")
        self.log.append(("screened", first))
        return Screened(records, [], [], _NO_RULES)

    async def store(self, batch: Screened) -> Announced:
        first = batch.records[0].offset
        self.log.append(("storing", first))
        await self.gate("store", first).wait()
        if first in self.database_down:
            raise DatabaseUnavailableError("database down")
        self.log.append(("stored", first))
        return Announced(batch.records, [], [], updates=0, inserted=0, duplicates=0)

    async def acknowledged(self, batch: Announced) -> dict[TopicPartitionKey, int]:
        first = batch.records[0].offset
        await self.gate("ack", first).wait()
        if first in self.kafka_refuses:
            raise KafkaTimeoutError
        self.log.append(("acknowledged", first))
        return commit_offsets(batch.records)


def pipeline(stages: GatedStages, grow_to: int = 1000, interval: float = 0.0) -> BatchPipeline:
    return BatchPipeline(
        lambda: stages,
        AggregatorMetrics.create(CollectorRegistry()),
        grow_to=grow_to,
        interval=interval,
    )


async def settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


def last_seeks(log: list[tuple[object, ...]]) -> dict[object, object]:
    return {entry[1]: entry[2] for entry in log if entry[0] == "seek"}
