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
