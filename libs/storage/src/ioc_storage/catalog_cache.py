"""The catalog in force, as a running service reads it, kept fresh without a restart.

The database, not the package's YAML, is the catalog in force, and an operator may load
a newer one at any time: each service keeps what it needs of it (the publishing rules,
the alerting catalog, the formulas) in one of these caches. An operator's change takes
effect within `refresh_seconds`. A failed re-read (the database restarting) keeps what
was last read and is counted; only the very first read has nothing to fall back on.

Two ways to keep it fresh, the same cache:
- `start()`: re-read in the background (the ingest gateway, the aggregator), so a
  request or a batch never waits on the catalog;
- without `start()`, `current()` re-reads when what it holds is older than
  `refresh_seconds` (the alert service, the derived-indicator service).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

import asyncpg

from ioc_storage.connection import Connection

_log = logging.getLogger(__name__)

T = TypeVar("T")

READ_FAILURES: tuple[type[BaseException], ...] = (
    OSError,
    TimeoutError,
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
)
"""What a database outage looks like to a reader: kept from, retried, never fatal."""

# Until the first read succeeds, the background task retries sooner than the refresh
# interval: nothing can be screened before then.
FIRST_READ_RETRY_SECONDS = 2.0


class CatalogCache(Generic[T]):
    def __init__(
        self,
        pool: asyncpg.Pool,
        read: Callable[[Connection], Awaitable[T]],
        *,
        refresh_seconds: float,
        timeout_seconds: float | None = None,
        on_failure: Callable[[], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._pool = pool
        self._read = read
        self._refresh_seconds = refresh_seconds
        self._timeout = timeout_seconds
        self._on_failure = on_failure
        self._clock = clock
        self._value: T | None = None
        self._read_at = 0.0
        self._task: asyncio.Task[None] | None = None

    @property
    def last(self) -> T | None:
        """What was last read, or None before the first successful read."""
        return self._value

    async def current(self) -> T:
        """What is in force; the first call reads it (and raises if it cannot)."""
        if self._value is None:
            return await self._read_now()
        stale = self._clock() - self._read_at > self._refresh_seconds
        if stale and self._task is None:
            await self.refresh()
        return self._value

    async def refresh(self) -> bool:
        """Re-reads; False (and what was read before kept) when the database failed."""
        try:
            await self._read_now()
        except READ_FAILURES as error:
            if self._on_failure is not None:
                self._on_failure()
            _log.warning("could not read the catalog: %s", error, extra={"error": str(error)})
            return False
        return True

    def start(self) -> None:
        """Re-reads in the background from now on, until `stop()`."""
        self._task = asyncio.create_task(self._keep_fresh(), name="catalog-refresh")

    async def stop(self) -> None:
        if self._task is not None:
            task, self._task = self._task, None
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _read_now(self) -> T:
        async with contextlib.AsyncExitStack() as stack:
            if self._timeout is not None:
                await stack.enter_async_context(asyncio.timeout(self._timeout))
            connection = await stack.enter_async_context(self._pool.acquire())
            value = await self._read(connection)
        self._value, self._read_at = value, self._clock()
        return value

    async def _keep_fresh(self) -> None:
        while True:
            missing = self._value is None
            await asyncio.sleep(
                min(FIRST_READ_RETRY_SECONDS, self._refresh_seconds)
                if missing
                else self._refresh_seconds
            )
            try:
                await self.refresh()
            except Exception:
                # Not an outage (a catalog the reader cannot make sense of): keep serving
                # what was read, say so loudly, and try again next time.
                _log.exception("catalog refresh failed")
