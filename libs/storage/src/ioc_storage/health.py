"""Whether the database answers: what every service's readiness probe asks."""

from __future__ import annotations

import asyncio

import asyncpg

from ioc_storage.catalog_cache import READ_FAILURES


async def database_problem(pool: asyncpg.Pool, *, timeout_seconds: float = 2.0) -> str | None:
    """None when a connection of the pool answers within the timeout; otherwise what
    went wrong, by the error's kind (never its text, which may name the server)."""
    try:
        async with asyncio.timeout(timeout_seconds), pool.acquire() as connection:
            await connection.fetchval("SELECT 1")
    except READ_FAILURES as error:
        return f"unreachable: {type(error).__name__}"
    return None
