"""An event is received when the records fetched with it are screened: waiting for the
database afterwards does not move the moment, and records that join the batch later are
received when they came, never earlier.

The real use case and TimescaleDB adapter, in process, with a clock the test moves."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Sequence
from datetime import datetime, timedelta
from typing import Any

import asyncpg
import pytest
from prometheus_client import CollectorRegistry

from ioc_aggregator.application.usecase import BatchProcessor, Screened
from ioc_aggregator.application.waiting import DatabaseWait
from ioc_aggregator.domain.batch import Announcement
from ioc_aggregator.domain.records import Consumed, Refused
from ioc_aggregator.metrics import AggregatorMetrics
from ioc_aggregator.outbound.event_store import DatabaseEventStore
from ioc_catalog.screening import ScreeningRules
from ioc_contracts.topics import series_key_bytes
from ioc_runtime.backoff import Backoff
from ioc_storage.catalog_read import read_catalog_rules
from ioc_testing import ScratchDatabase

from .feeding import T0, event, fetch

pytestmark = pytest.mark.connected

SCREENED = T0 + timedelta(days=40)
JOINED = SCREENED + timedelta(seconds=3)
# The database was away meanwhile: the write happens minutes later.
WRITTEN = SCREENED + timedelta(minutes=7)


class _Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class _Announcements:
    """Publisher keeping the SeriesUpdated it is handed; Kafka acknowledges at once."""

    def __init__(self) -> None:
        self.payloads: list[dict[str, Any]] = []

    async def dead_letters(
        self, refused: Sequence[Refused], failed_at: datetime
    ) -> Awaitable[None]:
        raise AssertionError(f"nothing is refused here: {refused}")

    async def series_updated(self, announcements: Sequence[Announcement]) -> Awaitable[None]:
        self.payloads += [json.loads(a.payload) for a in announcements]
        return _acknowledged()


async def _acknowledged() -> None:
    return None


@pytest.fixture
async def writer(catalog_database: ScratchDatabase) -> AsyncIterator[asyncpg.Pool]:
    pool = await asyncpg.create_pool(catalog_database.dsns["writer"], min_size=1, max_size=2)
    yield pool
    await pool.close()


async def _processor(
    catalog_database: ScratchDatabase, writer: asyncpg.Pool, clock: _Clock
) -> tuple[BatchProcessor, _Announcements]:
    reader = await asyncpg.connect(catalog_database.dsns["reader"])
    try:
        catalog = await read_catalog_rules(reader)
    finally:
        await reader.close()
    rules = ScreeningRules(catalog.policy, catalog.figures, timedelta(days=1))

    async def current() -> ScreeningRules:
        return rules

    metrics = AggregatorMetrics.create(CollectorRegistry())
    announcements = _Announcements()
    processor = BatchProcessor(
        events=DatabaseEventStore(writer),
        rules=current,
        publisher=announcements,
        metrics=metrics,
        wait=DatabaseWait(Backoff(), 5.0, metrics),
        clock=clock,
    )
    return processor, announcements


def _records(events: Sequence[dict[str, Any]], first: int) -> list[Consumed]:
    return [
        Consumed(
            "events",
            0,
            first + n,
            series_key_bytes(e["indicator"], e["scope"]),
            json.dumps(e).encode(),
        )
        for n, e in enumerate(events)
    ]


async def test_events_are_received_when_screened_not_when_written(
    catalog_database: ScratchDatabase, writer: asyncpg.Pool
) -> None:
    clock = _Clock(SCREENED)
    processor, announcements = await _processor(catalog_database, writer, clock)
    first = [event(value=60.0, day=30), event(value=61.0, day=31)]
    joining = [event(value=62.0, day=32, reported_at=(T0 + timedelta(days=33)).isoformat())]

    screened = await processor.screen(_records(first, 0))
    clock.now = JOINED
    # Fetched while the batch ahead was stored: joins this batch (inbound/growth.py).
    grown = await processor.screen(_records(joining, 2))
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
