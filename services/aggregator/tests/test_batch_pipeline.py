"""The batch pipeline overlaps batches but keeps their order and their commit rule.

Handler-level: a real `BatchPipeline` between a consumer and batch stages written as
small real classes that record what happens, in order. No Kafka, no database.
"""

from __future__ import annotations

import asyncio

from .batch_stages import GatedStages, RecordingConsumer, batch, last_seeks, pipeline, settle


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
