"""An event is received when the records fetched with it are screened: waiting for the
database afterwards does not move the moment, and records that join the batch later are
received when they came, never earlier.

The real use case and TimescaleDB adapter, in process, with a clock the test moves."""

from __future__ import annotations

from datetime import datetime, timedelta

import asyncpg
import pytest

from ioc_aggregator.application.usecase import Screened
from ioc_testing import ScratchDatabase

from .feeding import T0, event, fetch
from .in_process import Clock, processor_for, records

pytestmark = pytest.mark.connected

SCREENED = T0 + timedelta(days=40)
JOINED = SCREENED + timedelta(seconds=3)
# The database was away meanwhile: the write happens minutes later.
WRITTEN = SCREENED + timedelta(minutes=7)


async def test_events_are_received_when_screened_not_when_written(
    catalog_database: ScratchDatabase, writer: asyncpg.Pool
) -> None:
    clock = Clock(SCREENED)
    processor, announcements = await processor_for(catalog_database, writer, clock)
    first = [event(value=60.0, day=30), event(value=61.0, day=31)]
    joining = [event(value=62.0, day=32, reported_at=(T0 + timedelta(days=33)).isoformat())]

    screened = await processor.screen(records(first, 0))
    clock.now = JOINED
    # Fetched while the batch ahead was stored: joins this batch (inbound/growth.py).
    grown = await processor.screen(records(joining, 2))
    clock.now = WRITTEN
    merged = Screened(
        [*screened.records, *grown.records],
        [*screened.accepted, *grown.accepted],
        [],
        grown.rules,
    )
    announced = await processor.store(merged)
    assert announced.inserted == 3
    await processor.acknowledged(announced)

    stored = await fetch(
        catalog_database.dsns["reader"],
        "SELECT o.value, o.received_at, o.revised_at, f.received_at AS figure_received_at,"
        " f.revised_at AS figure_revised_at FROM ioc.observations o"
        " JOIN ioc.figures f USING (indicator, scope, observed_at) ORDER BY o.value",
    )
    assert [r["value"] for r in stored] == [60.0, 61.0, 62.0]
    assert [r["received_at"] for r in stored] == [SCREENED, SCREENED, JOINED]
    assert [r["figure_received_at"] for r in stored] == [SCREENED, SCREENED, JOINED]
    # Without reported_at the revision is revised when received; with it, when reported.
    assert [r["revised_at"] for r in stored] == [SCREENED, SCREENED, T0 + timedelta(days=33)]
    assert [r["figure_revised_at"] for r in stored] == [r["revised_at"] for r in stored]
    # The series was updated when the transaction wrote it.
    [update] = announcements.payloads
    assert datetime.fromisoformat(update["updated_at"]) == WRITTEN
