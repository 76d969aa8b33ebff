"""The aggregator's pool gives connections back without asyncpg's reset round trip, and
still never hands out a connection with someone's transaction open."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest

from ioc_aggregator.outbound.database import create_pool
from ioc_testing import ScratchDatabase

_LAST = "SELECT 'last statement before release'"


@pytest.fixture
async def pool(catalog_database: ScratchDatabase) -> AsyncIterator[asyncpg.Pool]:
    """The aggregator's own pool, one connection, so each acquire gets the same one."""
    created = await create_pool(catalog_database.dsns["writer"], size=1, statement_timeout_ms=5000)
    yield created
    await created.close()


async def test_a_released_connection_gets_no_reset_statement(
    pool: asyncpg.Pool, catalog_database: ScratchDatabase
) -> None:
    async with pool.acquire() as connection:
        pid = connection.get_server_pid()
        await connection.execute(_LAST)
    monitor = await asyncpg.connect(catalog_database.dsns["writer"])
    try:
        last = await monitor.fetchval("SELECT query FROM pg_stat_activity WHERE pid = $1", pid)
    finally:
        await monitor.close()
    # asyncpg's default reset would be the backend's last statement by now.
    assert last == _LAST


async def test_a_transaction_left_open_is_rolled_back_on_release(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as connection:
        await connection.execute("BEGIN")
        await connection.execute(
            "INSERT INTO ioc.series_updates_outbox (payloads) VALUES (ARRAY['{}'])"
        )
    async with pool.acquire() as connection:
        assert not connection.is_in_transaction()
        assert await connection.fetchval("SELECT count(*) FROM ioc.series_updates_outbox") == 0
