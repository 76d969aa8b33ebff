"""The batch pipeline overlaps batches but keeps their order and their commit rule.

Handler-level: a real `BatchPipeline` between a consumer and batch stages written as
small real classes that record what happens, in order. No Kafka, no database.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from aiokafka import TopicPartition
from prometheus_client import CollectorRegistry

from ioc_aggregator.adapters.pipeline import BatchPipeline
from ioc_aggregator.domain.batch import TopicPartitionKey, commit_offsets
from ioc_aggregator.domain.records import Position, SourceRecord
from ioc_aggregator.metrics import AggregatorMetrics
from ioc_aggregator.usecase import DatabaseUnavailableError, Screened

TOPIC = "ioc.indicator-events"


def batch(*positions: tuple[int, int]) -> list[SourceRecord]:
    return [SourceRecord(Position(TOPIC, p, o), b"k", b"{}") for p, o in positions]


class RecordingConsumer:
    """The part of AIOKafkaConsumer the pipeline uses; writes each call to `log`."""

    def __init__(self, log: list[tuple[object, ...]], partitions: Sequence[int]) -> None:
        self.log = log
        self.assigned = {TopicPartition(TOPIC, p) for p in partitions}

    def assignment(self) -> set[TopicPartition]:
        return set(self.assigned)

    def seek(self, partition: TopicPartition, offset: int) -> None:
        self.log.append(("seek", partition.partition, offset))

    async def commit(self, offsets: dict[TopicPartition, int]) -> None:
        self.log.append(("commit", {tp.partition: o for tp, o in sorted(offsets.items())}))

    def highwater(self, partition: TopicPartition) -> int | None:
        return None


class GatedStages:
    """Screens at once; finishes a batch (named by its first offset) once its gate opens,
    or fails it as the database would."""

    def __init__(self, log: list[tuple[object, ...]]) -> None:
        self.log = log
        self.gates: dict[int, asyncio.Event] = {}
        self.unavailable: set[int] = set()

    def gate(self, first: int) -> asyncio.Event:
        return self.gates.setdefault(first, asyncio.Event())

    async def screen(self, records: Sequence[SourceRecord]) -> Screened:
        self.log.append(("screened", records[0].position.offset))
        return Screened(records, [], [])

    async def finish(self, batch: Screened) -> dict[TopicPartitionKey, int]:
        first = batch.records[0].position.offset
        self.log.append(("finishing", first))
        await self.gate(first).wait()
        if first in self.unavailable:
            raise DatabaseUnavailableError("database down")
        self.log.append(("stored and acknowledged", first))
        return commit_offsets(r.position for r in batch.records)


def pipeline(stages: GatedStages) -> BatchPipeline:
    return BatchPipeline(lambda: stages, AggregatorMetrics.create(CollectorRegistry()))


async def settle() -> None:
    for _ in range(10):
        await asyncio.sleep(0)


async def test_the_next_batch_is_screened_while_one_finishes_and_commits_follow_in_order() -> None:
    log: list[tuple[object, ...]] = []
    stages, consumer = GatedStages(log), RecordingConsumer(log, [0, 1])
    flow = pipeline(stages)
    await flow.submit(batch((0, 10), (1, 20)), consumer)  # returns before it is finished
    second = asyncio.create_task(flow.submit(batch((0, 11), (1, 21)), consumer))
    await settle()
    assert log == [("screened", 10), ("finishing", 10), ("screened", 11)]
    assert not second.done()  # waits for the batch ahead before handing its own on

    stages.gate(10).set()
    await second
    stages.gate(11).set()
    await flow.close()
    assert log[3:] == [
        ("stored and acknowledged", 10),
        ("commit", {0: 11, 1: 21}),
        ("finishing", 11),
        ("stored and acknowledged", 11),
        ("commit", {0: 12, 1: 22}),
    ]


async def test_a_batch_handed_back_takes_the_one_behind_it_back_with_it() -> None:
    log: list[tuple[object, ...]] = []
    stages, consumer = GatedStages(log), RecordingConsumer(log, [0, 1])
    stages.unavailable.add(10)
    flow = pipeline(stages)
    await flow.submit(batch((0, 10), (0, 11)), consumer)
    behind = asyncio.create_task(flow.submit(batch((0, 12), (1, 30)), consumer))
    await settle()
    stages.gate(10).set()
    await behind
    await flow.close()
    assert ("seek", 0, 10) in log  # the failed batch, read again from its first record
    assert ("seek", 1, 30) in log  # the batch behind it too, on its other partition
    assert not any(entry[0] == "commit" for entry in log)
    assert ("finishing", 12) not in log  # never stored out of order


async def test_a_partition_taken_away_is_not_sought() -> None:
    log: list[tuple[object, ...]] = []
    stages, consumer = GatedStages(log), RecordingConsumer(log, [0])
    stages.unavailable.add(10)
    stages.gate(10).set()
    flow = pipeline(stages)
    await flow.submit(batch((0, 10), (1, 40)), consumer)
    await flow.close()
    assert [entry for entry in log if entry[0] == "seek"] == [("seek", 0, 10)]


async def test_closing_lets_the_batch_being_finished_commit_and_takes_no_more() -> None:
    log: list[tuple[object, ...]] = []
    stages, consumer = GatedStages(log), RecordingConsumer(log, [0])
    flow = pipeline(stages)
    await flow.submit(batch((0, 10)), consumer)
    closing = asyncio.create_task(flow.close())
    await settle()
    assert not closing.done()
    stages.gate(10).set()
    await closing
    await flow.submit(batch((0, 11)), consumer)
    await settle()
    assert log[-1] == ("screened", 11)
    assert ("commit", {0: 11}) in log
    assert ("finishing", 11) not in log


async def test_a_partition_read_again_never_moves_its_committed_offset_back() -> None:
    log: list[tuple[object, ...]] = []
    stages, consumer = GatedStages(log), RecordingConsumer(log, [0])
    flow = pipeline(stages)
    for first in (10, 5):  # 5..: the same records again, after a rebalance
        stages.gate(first).set()
        await flow.submit(batch((0, first), (0, first + 1)), consumer)
    await flow.close()
    assert [entry for entry in log if entry[0] == "commit"] == [("commit", {0: 12})]
