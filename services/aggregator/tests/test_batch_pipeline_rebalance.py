"""The batch pipeline across rebalances: partitions taken away or revoked mid-commit,
records read again, and a commit that fails unforeseen.

Handler-level, as test_batch_pipeline.py: no Kafka, no database.
"""

from __future__ import annotations

import asyncio

from aiokafka import TopicPartition

from .batch_stages import (
    TOPIC,
    GatedStages,
    RecordingConsumer,
    batch,
    last_seeks,
    pipeline,
    settle,
)


async def test_a_partition_taken_away_is_not_sought() -> None:
    log: list[tuple[object, ...]] = []
    stages, consumer = GatedStages(log), RecordingConsumer(log, [0])
    stages.database_down.add(10)
    stages.open("store", 10)
    flow = pipeline(stages)
    await flow.submit(batch((0, 10), (1, 40)), consumer)
    await flow.close()
    assert [entry for entry in log if entry[0] == "seek"] == [("seek", 0, 10)]


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


async def test_a_batch_growing_across_a_rebalance_is_left_to_the_partitions_owners() -> None:
    """Every partition is revoked (eager assignors): whoever owns one now reads it from
    the committed offset, so a batch read before the rebalance and stored after it would
    race its new owner for the same event ids."""
    log: list[tuple[object, ...]] = []
    stages, consumer = GatedStages(log), RecordingConsumer(log, [0, 1])
    flow = pipeline(stages)
    listener = flow.rebalance_listener()
    await flow.submit(batch((0, 10)), consumer)
    growing = asyncio.create_task(flow.submit(batch((0, 11), (1, 20)), consumer))
    await settle()
    revoking = asyncio.create_task(
        listener.on_partitions_revoked({TopicPartition(TOPIC, 0), TopicPartition(TOPIC, 1)})
    )
    await settle()
    stages.open("store", 10, 11)
    stages.open("ack", 10, 11)
    await revoking
    await growing
    consumer.arriving = batch((1, 21))  # fetched after the rebalance: the next batch's
    await flow.close()
    assert ("storing", 11) not in log
    assert [entry for entry in log if entry[0] == "commit"] == [("commit", {0: 11})]
    assert last_seeks(log) == {}  # its owners start from the committed offsets anyway
