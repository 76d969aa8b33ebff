"""The catalog in force as the aggregator screens with it, kept fresh by the one catalog
cache every service uses (`ioc_storage.catalog_cache`)."""

from __future__ import annotations

from datetime import timedelta

import asyncpg

from ioc_aggregator.outbound.database import translated
from ioc_catalog.screening import ScreeningRules
from ioc_storage.catalog_cache import CatalogCache
from ioc_storage.catalog_read import read_catalog_rules
from ioc_storage.connection import Connection


class CatalogRulesCache:
    """Screening rules re-read in the background, so a new catalog needs no restart."""

    def __init__(
        self, pool: asyncpg.Pool, *, refresh_seconds: float, max_future: timedelta
    ) -> None:
        async def read(connection: Connection) -> ScreeningRules:
            catalog = await read_catalog_rules(connection)
            return ScreeningRules(
                catalog.policy, catalog.figures, max_future, scopes=catalog.scopes
            )

        self._cache = CatalogCache(pool, read, refresh_seconds=refresh_seconds)

    async def current(self) -> ScreeningRules:
        """The rules; the first call waits for the database like any write would."""
        return await translated(self._cache.current)

    def start(self) -> None:
        self._cache.start()

    async def stop(self) -> None:
        await self._cache.stop()
