"""The one catalog cache every service uses, against the real database."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest

from ioc_storage.catalog_cache import CatalogCache
from ioc_storage.connection import Connection
from ioc_testing import ScratchDatabase

pytestmark = pytest.mark.connected


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def _generation(connection: Connection) -> int:
    value = await connection.fetchval("SELECT generation FROM cache_test.catalog_version")
    return int(value)


@pytest.fixture
async def pool(scratch_database: ScratchDatabase) -> AsyncIterator[asyncpg.Pool]:
    dsn = scratch_database.dsns["migrator"]
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(
            "CREATE SCHEMA cache_test; CREATE TABLE cache_test.catalog_version (generation int);"
            " INSERT INTO cache_test.catalog_version VALUES (1)"
        )
    finally:
        await connection.close()
    created = await asyncpg.create_pool(dsn, min_size=0, max_size=2)
    yield created
    await created.close()


async def _set(pool: asyncpg.Pool, statement: str) -> None:
    async with pool.acquire() as connection:
        await connection.execute(statement)


async def test_read_lazily_again_once_older_than_the_refresh_interval(pool: asyncpg.Pool) -> None:
    clock = Clock()
    cache = CatalogCache(pool, _generation, refresh_seconds=30, clock=clock)
    assert cache.last is None
    assert await cache.current() == 1
    await _set(pool, "UPDATE cache_test.catalog_version SET generation = 2")
    clock.now = 29
    assert await cache.current() == 1
    clock.now = 31
    assert await cache.current() == 2


async def test_a_failed_read_keeps_what_was_read_and_is_counted(pool: asyncpg.Pool) -> None:
    failures: list[None] = []
    clock = Clock()
    cache = CatalogCache(
        pool,
        _generation,
        refresh_seconds=1,
        clock=clock,
        on_failure=lambda: failures.append(None),
    )
    assert await cache.current() == 1
    await _set(pool, "ALTER TABLE cache_test.catalog_version RENAME TO catalog_gone")
    clock.now = 5
    assert await cache.current() == 1
    assert await cache.refresh() is False
    assert len(failures) == 2


async def test_the_first_read_has_nothing_to_fall_back_on(pool: asyncpg.Pool) -> None:
    await _set(pool, "DROP TABLE cache_test.catalog_version")
    cache = CatalogCache(pool, _generation, refresh_seconds=1)
    with pytest.raises(asyncpg.UndefinedTableError):
        await cache.current()


async def test_refreshed_in_the_background_once_started(pool: asyncpg.Pool) -> None:
    cache = CatalogCache(pool, _generation, refresh_seconds=0.05)
    assert await cache.refresh()
    cache.start()
    try:
        await _set(pool, "UPDATE cache_test.catalog_version SET generation = 7")
        async with asyncio.timeout(30):
            # Polled: the refresh is the cache's own task, with nothing to wait on.
            while True:
                if cache.last == 7:
                    break
                await asyncio.sleep(0.02)
    finally:
        await cache.stop()
