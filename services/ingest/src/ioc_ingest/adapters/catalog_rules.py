"""The catalog rules in force (grants and value ranges), re-read in the background.

Requests never wait on the catalog: they use the rules last read. If a refresh fails
(database restarting), the previous rules stay in force and the failure is counted; an
operator's catalog change takes effect within one refresh interval.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

import asyncpg

from ioc_storage.catalog_read import CatalogRules, read_catalog_rules

_log = logging.getLogger(__name__)

# Until the first read succeeds, retry sooner than the refresh interval: nothing can
# be accepted before then.
_FIRST_READ_RETRY_SECONDS = 2.0


class CatalogRulesSource:
    def __init__(
        self,
        pool: asyncpg.Pool,
        *,
        refresh_seconds: float,
        timeout_seconds: float,
        on_failure: Callable[[], None],
    ) -> None:
        self._pool = pool
        self._refresh_seconds = refresh_seconds
        self._timeout = timeout_seconds
        self._on_failure = on_failure
        self._rules: CatalogRules | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def rules(self) -> CatalogRules | None:
        """The rules last read, or None before the first successful read."""
        return self._rules

    async def refresh(self) -> bool:
        """Re-reads the rules; False (and the old rules kept) when that failed."""
        try:
            async with asyncio.timeout(self._timeout), self._pool.acquire() as connection:
                self._rules = await read_catalog_rules(connection)
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
            self._on_failure()
            _log.warning("could not read the catalog rules: %s", error, extra={"error": str(error)})
            return False
        return True

    async def start(self) -> None:
        await self.refresh()
        self._task = asyncio.create_task(self._keep_fresh(), name="catalog-rules-refresh")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _keep_fresh(self) -> None:
        while True:
            first_missing = self._rules is None
            await asyncio.sleep(
                min(_FIRST_READ_RETRY_SECONDS, self._refresh_seconds)
                if first_missing
                else self._refresh_seconds
            )
            await self.refresh()
