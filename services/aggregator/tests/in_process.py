"""The real use case and TimescaleDB adapter in the test's process: a processor over a
scratch database's catalog, a clock the test moves, and a publisher that keeps the
SeriesUpdated it is handed (Kafka acknowledges at once)."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Sequence
from datetime import datetime, timedelta
from typing import Any

import asyncpg
from prometheus_client import CollectorRegistry

from ioc_aggregator.application.usecase import BatchProcessor
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


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class Announcements:
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


async def processor_for(
    catalog_database: ScratchDatabase, writer: asyncpg.Pool, clock: Clock
) -> tuple[BatchProcessor, Announcements]:
    reader = await asyncpg.connect(catalog_database.dsns["reader"])
    try:
        catalog = await read_catalog_rules(reader)
    finally:
        await reader.close()
    rules = ScreeningRules(catalog.policy, catalog.figures, timedelta(days=1))

    async def current() -> ScreeningRules:
        return rules

    metrics = AggregatorMetrics.create(CollectorRegistry())
    announcements = Announcements()
    processor = BatchProcessor(
        events=DatabaseEventStore(writer),
        rules=current,
        publisher=announcements,
        metrics=metrics,
        wait=DatabaseWait(Backoff(), 5.0, metrics),
        clock=clock,
    )
    return processor, announcements


def records(events: Sequence[dict[str, Any]], first: int) -> list[Consumed]:
    """The events as records of partition 0 of "events", from offset `first` on."""
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
