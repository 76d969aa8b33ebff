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
        # No event has come: nothing else opened one, and none was opened twice.
        assert await opened() == OPENED_AHEAD
    finally:
        await watcher.close()
