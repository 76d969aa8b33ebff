"""The database quarantine, for records Kafka refused to take as dead letters."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from ioc_storage.quarantine import QuarantinedRecord, hold


class DatabaseQuarantine:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def hold(self, records: Sequence[QuarantinedRecord]) -> None:
        async with self._pool.acquire() as connection:
            await hold(connection, records)
