"""A batch larger than several COPY chunks is stored whole: every event once in the id
register, the ledger and the figures of record, with the values it was sent with.

The real use case and TimescaleDB adapter, in process (`in_process.py`)."""

from __future__ import annotations

from datetime import timedelta

import asyncpg
import pytest

from ioc_aggregator.outbound.copy_rows import ROWS_PER_CHUNK
from ioc_testing import ScratchDatabase

from .feeding import T0, event, fetch
from .in_process import Clock, processor_for, records

pytestmark = pytest.mark.connected


async def test_a_batch_of_several_chunks_is_stored_whole(
    catalog_database: ScratchDatabase, writer: asyncpg.Pool
) -> None:
    processor, announcements = await processor_for(
        catalog_database, writer, Clock(T0 + timedelta(days=40))
    )
    # One more than two whole chunks: a chunk boundary falls inside each COPY stream.
    count = 2 * ROWS_PER_CHUNK + 1
    sent = [event(value=50.0 + n % 7, day=n / 1440) for n in range(count)]

    announced = await processor.store(await processor.screen(records(sent, 0)))
    await processor.acknowledged(announced)

    assert announced.inserted == count
    reader = catalog_database.dsns["reader"]
    expected = sorted((e["event_id"], e["observed_at"], e["value"]) for e in sent)
    for table in ("ioc.observations", "ioc.figures"):
        rows = await fetch(
            reader, f"SELECT event_id::text, observed_at, value FROM {table} ORDER BY 1"
        )
        stored = [(r[0], r[1].isoformat(), r[2]) for r in rows]
        assert stored == expected, table
    [registered] = await fetch(reader, "SELECT count(DISTINCT event_id) FROM ioc.event_ids")
    assert registered[0] == count
    [update] = announcements.payloads
    assert update["new_observations"] == count


async def test_a_known_id_in_a_later_chunk_is_a_duplicate_and_the_rest_is_stored(
    catalog_database: ScratchDatabase, writer: asyncpg.Pool
) -> None:
    """PostgreSQL refuses the id register's COPY in a chunk after the first: the COPY is
    undone whole and the batch's ids are judged against what is stored."""
    processor, _ = await processor_for(catalog_database, writer, Clock(T0 + timedelta(days=40)))
    known = event(value=40.0, day=30)
    stored_before = await processor.store(await processor.screen(records([known], 0)))
    await processor.acknowledged(stored_before)
    fresh = [event(value=50.0 + n % 7, day=n / 1440) for n in range(2 * ROWS_PER_CHUNK)]
    # In the second chunk of the stream.
    batch = [*fresh[: ROWS_PER_CHUNK + 200], known, *fresh[ROWS_PER_CHUNK + 200 :]]

    announced = await processor.store(await processor.screen(records(batch, 1)))
    await processor.acknowledged(announced)

    assert (announced.inserted, announced.duplicates, announced.refused) == (len(fresh), 1, [])
    [count] = await fetch(catalog_database.dsns["reader"], "SELECT count(*) FROM ioc.observations")
    assert count[0] == len(fresh) + 1


async def test_a_revised_figure_in_a_later_chunk_becomes_the_figure_of_record(
    catalog_database: ScratchDatabase, writer: asyncpg.Pool
) -> None:
    """PostgreSQL refuses the figures' COPY in a chunk after the first: the COPY is undone
    whole, and the upsert keeps the newest revision of each figure."""
    processor, _ = await processor_for(catalog_database, writer, Clock(T0 + timedelta(days=40)))
    reported = T0 + timedelta(days=31)
    first = event(value=40.0, day=30, reported_at=reported.isoformat())
    stored_before = await processor.store(await processor.screen(records([first], 0)))
    await processor.acknowledged(stored_before)
    revised = event(value=41.0, day=30, reported_at=(reported + timedelta(hours=1)).isoformat())
    fresh = [event(value=50.0 + n % 7, day=n / 1440) for n in range(2 * ROWS_PER_CHUNK)]
    batch = [*fresh[: ROWS_PER_CHUNK + 300], revised, *fresh[ROWS_PER_CHUNK + 300 :]]

    announced = await processor.store(await processor.screen(records(batch, 1)))
    await processor.acknowledged(announced)

    assert (announced.inserted, announced.refused) == (len(fresh) + 1, [])
    reader = catalog_database.dsns["reader"]
    figures = await fetch(reader, "SELECT value FROM ioc.figures ORDER BY observed_at")
    assert [f[0] for f in figures] == [e["value"] for e in fresh] + [41.0]
    ledger = await fetch(
        reader,
        "SELECT value FROM ioc.observations WHERE observed_at = $1 ORDER BY value",
        T0 + timedelta(days=30),
    )
    assert [r[0] for r in ledger] == [40.0, 41.0]
