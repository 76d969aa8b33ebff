"""Batches are sized by what is waiting: while the batch ahead is in the database, what
the consumer fetched meanwhile joins the batch behind it, and nothing changes in the
rules of order and commit. Handler-level, as `test_batch_pipeline.py`."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from ioc_aggregator.domain.records import Consumed, SourceRecord
from ioc_aggregator.inbound import growth
from ioc_aggregator.inbound.pipeline import BatchPipeline

from .batch_stages import TOPIC, GatedStages, RecordingConsumer, batch, last_seeks, pipeline, settle


def _commits(log: list[tuple[object, ...]]) -> list[object]:
    return [entry[1] for entry in log if entry[0] == "commit"]


@dataclass
class _Scene:
    log: list[tuple[object, ...]]
    stages: GatedStages
    consumer: RecordingConsumer
    flow: BatchPipeline

    def behind(self, records: list[SourceRecord]) -> asyncio.Task[None]:
        """The batch behind the one in the database, handed in (it grows meanwhile)."""
        return asyncio.create_task(self.flow.submit(records, self.consumer))


async def _first_in_the_database(
    partitions: list[int], *, grow_to: int = 1000, database_down: bool = False
) -> _Scene:
    """A pipeline whose first batch (offset 10 of partition 0) is in the database."""
    log: list[tuple[object, ...]] = []
    stages, consumer = GatedStages(log), RecordingConsumer(log, partitions)
    if database_down:
        stages.database_down.add(10)
    flow = pipeline(stages, grow_to=grow_to)
    await flow.submit(batch((0, 10)), consumer)
    return _Scene(log, stages, consumer, flow)


async def _both_finish(
    stages: GatedStages, flow: BatchPipeline, behind: asyncio.Task[None]
) -> None:
    """The batch ahead (offset 10) and the one behind it (11) are let through, and the
    pipeline is closed."""
    stages.open("store", 10, 11)
    stages.open("ack", 10, 11)
    await behind
    await flow.close()


async def test_records_arriving_while_the_batch_ahead_stores_join_the_batch_behind_it() -> None:
    scene = await _first_in_the_database([0, 1])
    log, stages, consumer, flow = scene.log, scene.stages, scene.consumer, scene.flow
    behind = scene.behind(batch((0, 11)))
    await settle()
    consumer.arriving = batch((0, 12), (1, 30))
    await asyncio.sleep(0.05)
    consumer.arriving += batch((0, 13))
    await asyncio.sleep(0.05)
    await _both_finish(stages, flow, behind)
    assert [e for e in log if e[0] == "screened"] == [
        ("screened", 10),
        ("screened", 11),
        ("screened", 12),
        ("screened", 13),
    ]
    # One transaction for everything that waited behind the first.
    assert [e for e in log if e[0] == "storing"] == [("storing", 10), ("storing", 11)]
    assert _commits(log) == [{0: 11}, {0: 14, 1: 31}]
    assert consumer.arriving == []


async def test_a_batch_grows_no_further_than_its_cap() -> None:
    scene = await _first_in_the_database([0], grow_to=3)
    log, stages, consumer, flow = scene.log, scene.stages, scene.consumer, scene.flow
    consumer.arriving = batch((0, 12), (0, 13), (0, 14), (0, 15))
    behind = scene.behind(batch((0, 11)))
    await asyncio.sleep(0.05)
    # Three records in all: the one handed in and two that arrived; the rest wait.
    assert consumer.arriving == batch((0, 14), (0, 15))
    await _both_finish(stages, flow, behind)
    assert _commits(log) == [{0: 11}, {0: 14}]


async def test_the_first_batch_does_not_wait_for_company() -> None:
    log: list[tuple[object, ...]] = []
    stages, consumer = GatedStages(log), RecordingConsumer(log, [0])
    consumer.arriving = batch((0, 11))
    flow = pipeline(stages)
    await flow.submit(batch((0, 10)), consumer)
    assert consumer.arriving == batch((0, 11))  # nothing ahead: stored as it came
    stages.open("store", 10)
    stages.open("ack", 10)
    await flow.close()
    assert _commits(log) == [{0: 11}]


async def test_growth_stops_when_the_batch_ahead_is_stored() -> None:
    scene = await _first_in_the_database([0])
    log, stages, consumer, flow = scene.log, scene.stages, scene.consumer, scene.flow
    behind = scene.behind(batch((0, 11)))
    await settle()
    stages.open("store", 10)
    await behind
    consumer.arriving = batch((0, 12))  # arrives after: the next batch's
    await asyncio.sleep(0.05)
    assert consumer.arriving == batch((0, 12))
    stages.open("store", 11)
    stages.open("ack", 10, 11)
    await flow.close()
    assert _commits(log) == [{0: 11}, {0: 12}]


async def test_records_that_joined_a_batch_are_handed_back_with_it() -> None:
    scene = await _first_in_the_database([0, 1])
    log, stages, consumer, flow = scene.log, scene.stages, scene.consumer, scene.flow
    consumer.arriving = batch((1, 30), (0, 12))
    stages.unscreenable.add(30)
    behind = scene.behind(batch((0, 11)))
    await asyncio.sleep(0.05)
    stages.open("store", 10)
    stages.open("ack", 10)
    try:
        await behind
    except RuntimeError:
        pass
    else:
        raise AssertionError("the screening failure was swallowed")
    await flow.close()
    # The first batch commits; the failed one goes back to its first record in each
    # partition, the one that arrived meanwhile included.
    assert _commits(log) == [{0: 11}]
    assert last_seeks(log) == {0: 11, 1: 30}


async def test_a_grown_batch_behind_one_that_failed_is_handed_back_whole() -> None:
    scene = await _first_in_the_database([0, 1], database_down=True)
    log, stages, consumer, flow = scene.log, scene.stages, scene.consumer, scene.flow
    consumer.arriving = batch((1, 30))
    behind = scene.behind(batch((0, 11)))
    await asyncio.sleep(0.05)
    stages.open("store", 10)
    await behind
    await flow.close()
    assert _commits(log) == []
    assert ("storing", 11) not in log
    assert last_seeks(log) == {0: 10, 1: 30}


async def test_a_batch_grows_no_further_than_its_bytes_allow(monkeypatch: Any) -> None:
    monkeypatch.setattr(growth, "MOST_GROWN_BYTES", 10)
    scene = await _first_in_the_database([0])
    log, stages, consumer, flow = scene.log, scene.stages, scene.consumer, scene.flow
    big: list[SourceRecord] = [Consumed(TOPIC, 0, o, b"k", b"x" * 6) for o in (11, 12, 13)]
    consumer.arriving = big[1:2]
    behind = scene.behind(big[:1])
    await asyncio.sleep(0.05)
    consumer.arriving += big[2:]
    await asyncio.sleep(0.05)
    # 6 bytes, then 12 after one arrival: no more.
    assert consumer.arriving == big[2:]
    await _both_finish(stages, flow, behind)
    assert _commits(log) == [{0: 11}, {0: 13}]


async def test_closing_stops_a_growing_batch_and_stores_none_of_it() -> None:
    scene = await _first_in_the_database([0])
    log, stages, consumer, flow = scene.log, scene.stages, scene.consumer, scene.flow
    behind = scene.behind(batch((0, 11)))
    await settle()
    closing = asyncio.create_task(flow.close())
    consumer.arriving = batch((0, 12))
    await asyncio.sleep(0.05)
    assert consumer.arriving == batch((0, 12))  # taken no more once closing
    stages.open("store", 10, 11)
    stages.open("ack", 10, 11)
    await behind
    await closing
    assert ("storing", 11) not in log
    assert _commits(log) == [{0: 11}]


async def _first_stored_at_once(interval: float) -> _Scene:
    """A pipeline with `interval` between batches whose first batch (offset 10) and the
    one behind it (11) are stored and acknowledged as soon as they come."""
    log: list[tuple[object, ...]] = []
    stages, consumer = GatedStages(log), RecordingConsumer(log, [0])
    stages.open("store", 10, 11)
    stages.open("ack", 10, 11)
    flow = pipeline(stages, interval=interval)
    await flow.submit(batch((0, 10)), consumer)
    return _Scene(log, stages, consumer, flow)


async def test_a_batch_right_behind_another_starts_no_sooner_than_the_interval() -> None:
    scene = await _first_stored_at_once(0.3)
    log, consumer, flow = scene.log, scene.consumer, scene.flow
    loop = asyncio.get_running_loop()
    started = loop.time()
    # The batch ahead is stored at once; this one still waits out the interval, and
    # what arrives meanwhile joins it.
    behind = asyncio.create_task(flow.submit(batch((0, 11)), consumer))
    await asyncio.sleep(0.1)
    consumer.arriving = batch((0, 12))
    await asyncio.sleep(0.1)
    assert ("storing", 11) not in log
    await behind
    assert loop.time() - started >= 0.29
    await flow.close()
    assert [e for e in log if e[0] == "storing"] == [("storing", 10), ("storing", 11)]
    assert _commits(log) == [{0: 11}, {0: 13}]


async def test_a_batch_after_a_quiet_spell_is_not_held_back() -> None:
    scene = await _first_stored_at_once(0.3)
    log, consumer, flow = scene.log, scene.consumer, scene.flow
    loop = asyncio.get_running_loop()
    await asyncio.sleep(0.35)
    consumer.arriving = batch((0, 12))
    handed_in = loop.time()
    await flow.submit(batch((0, 11)), consumer)
    assert loop.time() - handed_in < 0.1
    assert consumer.arriving == batch((0, 12))  # not waited for
    await flow.close()
    assert _commits(log) == [{0: 11}, {0: 12}]


async def test_a_full_batch_does_not_wait_out_the_interval() -> None:
    log: list[tuple[object, ...]] = []
    stages, consumer = GatedStages(log), RecordingConsumer(log, [0])
    stages.open("store", 10, 11)
    stages.open("ack", 10, 11)
    flow = pipeline(stages, grow_to=3, interval=5.0)
    await flow.submit(batch((0, 10)), consumer)
    consumer.arriving = batch((0, 12), (0, 13), (0, 14))
    loop = asyncio.get_running_loop()
    handed_in = loop.time()
    # A flood fills the batch at once: it goes without waiting the 5 s.
    await asyncio.wait_for(flow.submit(batch((0, 11)), consumer), timeout=1.0)
    assert loop.time() - handed_in < 1.0
    assert consumer.arriving == batch((0, 14))
    await flow.close()
    assert _commits(log) == [{0: 11}, {0: 14}]
