"""The catalog in force, re-read in the background so a new catalog needs no restart."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import asyncpg

from ioc_aggregator.outbound.database import is_retryable, translated
from ioc_catalog.screening import ScreeningRules
from ioc_storage.catalog_read import read_catalog_rules

log = logging.getLogger(__name__)


class CatalogRulesCache:
    def __init__(
        self, pool: asyncpg.Pool, *, refresh_seconds: float, max_future: timedelta
    ) -> None:
        self._pool = pool
        self._refresh_seconds = refresh_seconds
        self._max_future = max_future
        self._rules: ScreeningRules | None = None
        self._task: asyncio.Task[None] | None = None

    async def current(self) -> ScreeningRules:
        """The rules; the first call waits for the database like any write would."""
        if self._rules is None:
            await translated(self.refresh)
        assert self._rules is not None
        return self._rules

    async def refresh(self) -> None:
        async with self._pool.acquire() as connection:
            catalog = await read_catalog_rules(connection)
        self._rules = ScreeningRules(
            catalog.policy, catalog.figures, self._max_future, scopes=catalog.scopes
        )

    def start(self) -> None:
        self._task = asyncio.create_task(self._refresh_forever(), name="catalog-rules-refresh")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _refresh_forever(self) -> None:
        while True:
            await asyncio.sleep(self._refresh_seconds)
            try:
                await self.refresh()
            except Exception as error:
                # Keep serving the last good rules; the write path reports the outage.
                if not is_retryable(error):
                    log.exception("catalog refresh failed")
