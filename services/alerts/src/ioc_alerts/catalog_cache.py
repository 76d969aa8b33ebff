"""The catalog in force, re-read periodically so a new catalog needs no restart."""

from __future__ import annotations

import time

import asyncpg

from ioc_alerts.adapters.catalog import AlertingCatalog, load_alerting_catalog


class CatalogCache:
    def __init__(self, pool: asyncpg.Pool, *, refresh_seconds: float) -> None:
        self._pool = pool
        self._refresh_seconds = refresh_seconds
        self._catalog: AlertingCatalog | None = None
        self._loaded_at = 0.0

    async def current(self) -> AlertingCatalog:
        if self._catalog is None or time.monotonic() - self._loaded_at > self._refresh_seconds:
            async with self._pool.acquire() as connection:
                self._catalog = await load_alerting_catalog(connection)
            self._loaded_at = time.monotonic()
        return self._catalog
