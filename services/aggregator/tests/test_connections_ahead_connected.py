"""The aggregator opens its database connections while it joins its group, not in its
first batches: one per store lane and one for the catalog, relay and clean-up.

A connection opened by a batch cost that batch the connection's set-up and asyncpg's
questions about the array types (10–17 ms each, measured at 10% load), and every event
behind the batch waited for it."""

from __future__ import annotations

import asyncpg
import pytest

from ioc_testing import ScratchDatabase
from ioc_testing.pipeline import ServiceProcess, wait_for

pytestmark = pytest.mark.connected

# The default: two store lanes, and one more connection.
OPENED_AHEAD = 3
# The pool's default size: the catalog's first read shares the pool and may open one
# of its own while the three are being opened (seen in a fresh-clone run: four).
POOL_SIZE = 5


async def test_the_connections_are_open_before_the_first_event(
    aggregator_process: ServiceProcess, catalog_database: ScratchDatabase, superuser_dsn: str
) -> None:
    watcher = await asyncpg.connect(superuser_dsn)

    async def opened() -> int:
        count: int = await watcher.fetchval(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = $1 AND application_name = 'ioc-aggregator'",
            catalog_database.name,
        )
        return count

    try:
        aggregator_process.start()
        aggregator_process.wait_ready()

        async def all_open() -> bool:
            return await opened() >= OPENED_AHEAD

        await wait_for(all_open, within=15, what=f"{OPENED_AHEAD} aggregator connections")
        # No event has come: at most the catalog's read opened one more, within the pool.
        assert OPENED_AHEAD <= await opened() <= POOL_SIZE
    finally:
        await watcher.close()
