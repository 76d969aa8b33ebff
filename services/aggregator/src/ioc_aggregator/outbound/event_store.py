"""The EventStore port on TimescaleDB: a batch stored in one transaction per call,
refusals recorded for read-back, acknowledged outbox rows forgotten by the next
batch's transaction (or a timer, when none comes)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

import asyncpg

from ioc_aggregator.application.ports import RowsRefusedError
from ioc_aggregator.domain.batch import StoredBatch
from ioc_aggregator.domain.records import Accepted
from ioc_aggregator.domain.refusals import RefusalRecord
from ioc_aggregator.outbound.announcements import Acknowledged
from ioc_aggregator.outbound.database import translated
from ioc_aggregator.outbound.observations import store_events
from ioc_aggregator.outbound.refusals import record_refusals
from ioc_catalog.quality import FigureRules


class DatabaseEventStore:
    def __init__(self, pool: asyncpg.Pool, acknowledged: Acknowledged | None = None) -> None:
        self._pool = pool
        self._acknowledged = acknowledged or Acknowledged(pool)

    async def store(
        self,
        accepted: Sequence[Accepted],
        *,
        rules: Mapping[str, FigureRules],
        updated_at: datetime,
    ) -> StoredBatch:
        forget = self._acknowledged.take()

        async def write() -> StoredBatch:
            async with self._pool.acquire() as connection:
                return await store_events(
                    connection, accepted, rules=rules, updated_at=updated_at, forget=forget
                )

        try:
            return await translated(write)
        except BaseException:
            self._acknowledged.give_back(forget)
            raise

    async def record_refusals(self, refusals: Sequence[RefusalRecord]) -> None:
        try:
            await translated(lambda: record_refusals(self._pool, refusals))
        except asyncpg.PostgresError as error:
            raise RowsRefusedError(str(error)) from error

    async def forget_announcements(self, ids: Sequence[int]) -> None:
        self._acknowledged.add(ids)
