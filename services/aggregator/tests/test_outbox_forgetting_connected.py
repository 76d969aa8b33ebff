"""Outbox rows Kafka acknowledged are forgotten by the next batch's own transaction (no
DELETE and commit of their own per batch), by a timer when no batch comes, never twice
waited for when a relay holds them, and never lost when the batch that carried them
does not commit.

The real use case and TimescaleDB adapter, in process."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer

from ioc_aggregator.application.usecase import Announced, BatchProcessor
from ioc_aggregator.outbound.announcements import Acknowledged
from ioc_testing import ScratchDatabase
from ioc_testing.pipeline import PipelineTopics, ServiceProcess, wait_for

from .feeding import T0, event, fetch, publish, stored_count
from .in_process import Clock, processor_for, records

pytestmark = pytest.mark.connected

_OUTBOX = "SELECT id FROM ioc.series_updates_outbox ORDER BY id"


async def _outbox(database: ScratchDatabase) -> list[int]:
    return [row["id"] for row in await fetch(database.dsns["writer"], _OUTBOX)]


async def _batch(processor: BatchProcessor, day: int) -> Announced:
    """One event stored and acknowledged by Kafka."""
    screened = await processor.screen(records([event(value=50.0 + day, day=day)], day))
    announced = await processor.store(screened)
    assert announced.inserted == 1
    await processor.acknowledged(announced)
    return announced


@pytest.fixture
async def processor(catalog_database: ScratchDatabase, writer: asyncpg.Pool) -> BatchProcessor:
    """The real use case over the writer pool, its Kafka acknowledging at once."""
    created, _ = await processor_for(catalog_database, writer, Clock(T0 + timedelta(days=40)))
    return created


async def _stored_aside(database: ScratchDatabase, writer: asyncpg.Pool) -> Announced:
    """One event stored and acknowledged, its outbox row left to an `Acknowledged` of
    the test's own."""
    processor, _ = await processor_for(database, writer, Clock(T0 + timedelta(days=40)))
    announced = await processor.store(
        await processor.screen(records([event(value=60.0, day=30)], 0))
    )
    for acknowledgement in announced.acknowledgements:
        await acknowledgement
    return announced


async def test_the_next_batch_forgets_what_kafka_acknowledged(
    catalog_database: ScratchDatabase, processor: BatchProcessor
) -> None:
    first = await _batch(processor, 30)
    # Acknowledged, not yet forgotten: no statement of its own was spent on it.
    assert await _outbox(catalog_database) == first.announcement_ids
    second = await _batch(processor, 31)
    assert await _outbox(catalog_database) == second.announcement_ids


async def test_a_batch_with_nothing_to_announce_forgets_them_too(
    catalog_database: ScratchDatabase, processor: BatchProcessor
) -> None:
    sent = event(value=80.0, day=30)
    first = await processor.store(await processor.screen(records([sent], 0)))
    await processor.acknowledged(first)
    assert await _outbox(catalog_database) == first.announcement_ids != []
    # The same event again: a duplicate, so no SeriesUpdated of its own to write.
    again = await processor.store(await processor.screen(records([sent], 1)))
    assert (again.inserted, again.announcement_ids) == (0, [])
    assert await _outbox(catalog_database) == []


async def test_a_batch_that_does_not_commit_keeps_them_for_the_next(
    catalog_database: ScratchDatabase, processor: BatchProcessor
) -> None:
    first = await _batch(processor, 30)
    screened = await processor.screen(records([event(value=51.0, day=31)], 31))
    blocker = await asyncpg.connect(catalog_database.dsns["migrator"])
    try:
        # The ledger locked: the batch's transaction waits and is given up on.
        await blocker.execute("BEGIN; LOCK TABLE ioc.observations IN ACCESS EXCLUSIVE MODE")
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(2):
                await processor.events.store(
                    screened.accepted, rules=screened.rules.figures, updated_at=T0
                )
    finally:
        await blocker.close()
    assert await _outbox(catalog_database) == first.announcement_ids
    second = await _batch(processor, 32)
    assert await _outbox(catalog_database) == second.announcement_ids


async def test_rows_a_relay_holds_are_skipped_not_waited_for(
    catalog_database: ScratchDatabase, processor: BatchProcessor
) -> None:
    first = await _batch(processor, 30)
    relay = await asyncpg.connect(catalog_database.dsns["writer"])
    try:
        async with relay.transaction():
            # As the relay does while Kafka takes its time with the leftovers.
            await relay.execute(f"{_OUTBOX} FOR UPDATE")
            async with asyncio.timeout(5):
                second = await _batch(processor, 31)
            assert await _outbox(catalog_database) == [
                *first.announcement_ids,
                *second.announcement_ids,
            ]
    finally:
        await relay.close()


async def test_without_batches_a_timer_forgets_them(
    catalog_database: ScratchDatabase, writer: asyncpg.Pool
) -> None:
    acknowledged = Acknowledged(writer, linger=0.2)
    announced = await _stored_aside(catalog_database, writer)
    acknowledged.add(announced.announcement_ids)
    assert await _outbox(catalog_database) == announced.announcement_ids
    acknowledged.start()
    try:

        async def forgotten() -> bool:
            return await _outbox(catalog_database) == []

        await wait_for(forgotten, within=5, what="the timer to forget the acknowledged row")
    finally:
        await acknowledged.close()


async def test_closing_forgets_what_is_waiting(
    catalog_database: ScratchDatabase, writer: asyncpg.Pool
) -> None:
    acknowledged = Acknowledged(writer, linger=3600)
    announced = await _stored_aside(catalog_database, writer)
    acknowledged.start()
    acknowledged.add(announced.announcement_ids)
    await acknowledged.close()
    assert await _outbox(catalog_database) == []


async def test_a_graceful_stop_leaves_nothing_to_announce_again(
    aggregator_process: ServiceProcess,
    catalog_database: ScratchDatabase,
    pipeline_topics: PipelineTopics,
    producer: AIOKafkaProducer,
) -> None:
    # A rolling restart: whatever Kafka acknowledged is forgotten before the process
    # ends, or the next relay would announce it a second time. The timer never fires here.
    aggregator_process.env["IOC_AGGREGATOR_OUTBOX_FORGET_SECONDS"] = "3600"
    aggregator_process.start()
    aggregator_process.wait_ready()
    await publish(
        producer, pipeline_topics.events, [event(value=40.0 + d, day=d) for d in range(10)]
    )

    async def all_stored() -> bool:
        return await stored_count(catalog_database) >= 10

    await wait_for(all_stored, what="10 observations")
    # Counted once Kafka acknowledged the batch's SeriesUpdated.
    await aggregator_process.wait_for_sample("ioc_aggregator_observations_written_total 10.0")
    assert await _outbox(catalog_database) != [], "the last batch's row waits for the timer"
    aggregator_process.stop()
    assert await _outbox(catalog_database) == []
