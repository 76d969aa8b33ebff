"""The batch pipeline overlaps batches but keeps their order and their commit rule.

Handler-level: a real `BatchPipeline` between a consumer and batch stages written as
small real classes that record what happens, in order. No Kafka, no database.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import timedelta

from aiokafka import TopicPartition
from aiokafka.errors import KafkaTimeoutError
from prometheus_client import CollectorRegistry

from ioc_aggregator.application.usecase import Announced, DatabaseUnavailableError, Screened
from ioc_aggregator.domain.batch import TopicPartitionKey, commit_offsets
from ioc_aggregator.domain.records import Position, SourceRecord
from ioc_aggregator.inbound.pipeline import BatchPipeline
from ioc_aggregator.metrics import AggregatorMetrics
from ioc_catalog.policy import PublishPolicy
from ioc_catalog.screening import ScreeningRules

TOPIC = "ioc.indicator-events"
_NO_RULES = ScreeningRules(PublishPolicy([], []), {}, timedelta(days=1))


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
        # As aiokafka: only an assigned partition has a high water.
        assert partition in self.assigned, "Partition is not assigned"
        return None


class GatedStages:
    """Screens at once; stores a batch (named by its first offset) once its store gate
    opens, and has it acknowledged once its ack gate opens; fails either step on demand."""

    def __init__(self, log: list[tuple[object, ...]]) -> None:
        self.log = log
        self.gates: dict[tuple[str, int], asyncio.Event] = {}
        self.database_down: set[int] = set()
        self.kafka_refuses: set[int] = set()

    def gate(self, step: str, first: int) -> asyncio.Event:
        return self.gates.setdefault((step, first), asyncio.Event())

    def open(self, step: str, *firsts: int) -> None:
        for first in firsts:
            self.gate(step, first).set()

    async def screen(self, records: Sequence[SourceRecord]) -> Screened:
        self.log.append(("screened", records[0].position.offset))
        return Screened(records, [], [], _NO_RULES)

    async def store(self, batch: Screened) -> Announced:
        first = batch.records[0].position.offset
        self.log.append(("storing", first))
        await self.gate("store", first).wait()
        if first in self.database_down:
            raise DatabaseUnavailableError("database down")
        self.log.append(("stored", first))
        return Announced(batch.records, [], [], updates=0, inserted=0, duplicates=0)

    async def acknowledged(self, batch: Announced) -> dict[TopicPartitionKey, int]:
        first = batch.records[0].position.offset
        await self.gate("ack", first).wait()
        if first in self.kafka_refuses:
            raise KafkaTimeoutError
        self.log.append(("acknowledged", first))
        return commit_offsets(r.position for r in batch.records)


def pipeline(stages: GatedStages) -> BatchPipeline:
    return BatchPipeline(lambda: stages, AggregatorMetrics.create(CollectorRegistry()))


async def settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


def last_seeks(log: list[tuple[object, ...]]) -> dict[object, object]:
    return {entry[1]: entry[2] for entry in log if entry[0] == "seek"}


async def test_batches_overlap_yet_are_stored_and_committed_in_kafka_order() -> None:
    log: list[tuple[object, ...]] = []
    stages, consumer = GatedStages(log), RecordingConsumer(log, [0, 1])
    flow = pipeline(stages)
    await flow.submit(batch((0, 10), (1, 20)), consumer)  # returns before it is stored
    second = asyncio.create_task(flow.submit(batch((0, 11), (1, 21)), consumer))
    await settle()
    assert log == [("screened", 10), ("storing", 10), ("screened", 11)]
    assert not second.done()  # the next transaction waits for this one

    stages.open("store", 10)
    await second
    stages.open("store", 11)
    stages.open("ack", 11)
    await settle()
    # Stored while Kafka still owes the first batch its acknowledgements; not committed.
    assert log[3:] == [("stored", 10), ("storing", 11), ("stored", 11), ("acknowledged", 11)]

    stages.open("ack", 10)
    await flow.close()
    assert log[7:] == [
        ("acknowledged", 10),
        ("commit", {0: 11, 1: 21}),
        ("commit", {0: 12, 1: 22}),
    ]


async def test_a_batch_kafka_did_not_acknowledge_takes_every_batch_behind_it_back() -> None:
    log: list[tuple[object, ...]] = []
    stages, consumer = GatedStages(log), RecordingConsumer(log, [0, 1])
    stages.kafka_refuses.add(10)
    flow = pipeline(stages)
    await flow.submit(batch((0, 10), (0, 11)), consumer)
    stages.open("store", 10, 12)
    await flow.submit(batch((0, 12), (1, 30)), consumer)
    stages.open("ack", 12)
    await settle()
    assert ("acknowledged", 12) in log
    assert not any(entry[0] == "commit" for entry in log)  # not before the batch ahead
    stages.open("ack", 10)
    await flow.close()
    assert not any(entry[0] == "commit" for entry in log)
    assert last_seeks(log) == {0: 10, 1: 30}  # back to the first unfinished record


async def test_a_batch_that_could_not_be_stored_drops_the_one_behind_it() -> None:
    log: list[tuple[object, ...]] = []
    stages, consumer = GatedStages(log), RecordingConsumer(log, [0, 1])
    stages.database_down.add(10)
    flow = pipeline(stages)
    await flow.submit(batch((0, 10), (0, 11)), consumer)
    behind = asyncio.create_task(flow.submit(batch((0, 12), (1, 30)), consumer))
    await settle()
    stages.open("store", 10)
    await behind
    await flow.close()
    assert not any(entry[0] == "commit" for entry in log)
    assert ("storing", 12) not in log  # never stored out of order
    assert last_seeks(log) == {0: 10, 1: 30}


async def test_a_partition_taken_away_is_not_sought() -> None:
    log: list[tuple[object, ...]] = []
    stages, consumer = GatedStages(log), RecordingConsumer(log, [0])
    stages.database_down.add(10)
    stages.open("store", 10)
    flow = pipeline(stages)
    await flow.submit(batch((0, 10), (1, 40)), consumer)
    await flow.close()
    assert [entry for entry in log if entry[0] == "seek"] == [("seek", 0, 10)]


async def test_closing_lets_the_batches_in_flight_commit_and_takes_no_more() -> None:
    log: list[tuple[object, ...]] = []
    stages, consumer = GatedStages(log), RecordingConsumer(log, [0])
    flow = pipeline(stages)
    await flow.submit(batch((0, 10)), consumer)
    closing = asyncio.create_task(flow.close())
    await settle()
    assert not closing.done()
    stages.open("store", 10)
    stages.open("ack", 10)
    await closing
    await flow.submit(batch((0, 11)), consumer)
    await settle()
    assert log[-1] == ("screened", 11)
    assert ("commit", {0: 11}) in log
    assert ("storing", 11) not in log


async def test_a_partition_read_again_never_moves_its_committed_offset_back() -> None:
    log: list[tuple[object, ...]] = []
    stages, consumer = GatedStages(log), RecordingConsumer(log, [0])
    flow = pipeline(stages)
    for first in (10, 5):  # 5..: the same records again, after a rebalance
        stages.open("store", first)
        stages.open("ack", first)
        await flow.submit(batch((0, first), (0, first + 1)), consumer)
    await flow.close()
    assert [entry for entry in log if entry[0] == "commit"] == [("commit", {0: 12})]


async def test_after_a_batch_is_handed_back_its_records_read_again_are_stored() -> None:
    log: list[tuple[object, ...]] = []
    stages, consumer = GatedStages(log), RecordingConsumer(log, [0])
    stages.kafka_refuses.add(10)
    stages.open("store", 10, 12)
    stages.open("ack", 10, 12)
    flow = pipeline(stages)
    await flow.submit(batch((0, 10), (0, 11)), consumer)
    await flow.submit(batch((0, 12)), consumer)  # fetched before the seek: dropped
    stages.kafka_refuses.clear()
    await flow.submit(batch((0, 10), (0, 11), (0, 12)), consumer)  # read again
    await flow.close()
    assert [entry for entry in log if entry[0] == "commit"] == [("commit", {0: 13})]


class RevokingConsumer(RecordingConsumer):
    """Its partitions are revoked while a commit is on its way (a rebalance)."""

    async def commit(self, offsets: dict[TopicPartition, int]) -> None:
        await super().commit(offsets)
        self.assigned.clear()


async def test_a_partition_revoked_during_the_commit_raises_nothing_and_the_next_batch_goes_on() -> (
    None
):
    log: list[tuple[object, ...]] = []
    stages, consumer = GatedStages(log), RevokingConsumer(log, [0])
    stages.open("store", 10, 11)
    stages.open("ack", 10, 11)
    flow = pipeline(stages)
    await flow.submit(batch((0, 10)), consumer)
    await settle()
    consumer.assigned = {TopicPartition(TOPIC, 0)}  # assigned again by the next rebalance
    await flow.submit(batch((0, 11)), consumer)
    await flow.close()
    assert [entry for entry in log if entry[0] == "commit"] == [
        ("commit", {0: 11}),
        ("commit", {0: 12}),
    ]


class BrokenCommitConsumer(RecordingConsumer):
    """A commit that fails the way no handler foresees, once."""

    failed = False

    async def commit(self, offsets: dict[TopicPartition, int]) -> None:
        if not self.failed:
            self.failed = True
            raise AssertionError("Partition is not assigned")
        await super().commit(offsets)


async def test_an_unforeseen_error_hands_the_batch_back_once_rather_than_forever() -> None:
    log: list[tuple[object, ...]] = []
    stages, consumer = GatedStages(log), BrokenCommitConsumer(log, [0])
    stages.open("store", 10, 11)
    stages.open("ack", 10, 11)
    flow = pipeline(stages)
    await flow.submit(batch((0, 10)), consumer)
    await settle()
    assert last_seeks(log) == {0: 10}
    await flow.submit(batch((0, 11)), consumer)  # fetched before the seek: dropped
    await flow.submit(batch((0, 10), (0, 11)), consumer)  # read again after the seek
    await flow.close()
    assert [entry for entry in log if entry[0] == "commit"] == [("commit", {0: 12})]


async def test_revocation_waits_for_the_batches_in_flight_to_commit() -> None:
    log: list[tuple[object, ...]] = []
    stages, consumer = GatedStages(log), RecordingConsumer(log, [0, 1])
    flow = pipeline(stages)
    listener = flow.rebalance_listener()
    await flow.submit(batch((0, 10), (1, 20)), consumer)
    revoking = asyncio.create_task(listener.on_partitions_revoked({TopicPartition(TOPIC, 1)}))
    await settle()
    assert not revoking.done()  # the group waits while the batch is stored
    stages.open("store", 10)
    stages.open("ack", 10)
    await revoking
    assert log[-1] == ("commit", {0: 11, 1: 21})  # committed before the partition moved
    # What is fetched after the rebalance is not chained behind what was drained.
    consumer.assigned = {TopicPartition(TOPIC, 0)}
    stages.open("store", 11)
    stages.open("ack", 11)
    await flow.submit(batch((0, 11)), consumer)
    await flow.close()
    assert log[-1] == ("commit", {0: 12})
