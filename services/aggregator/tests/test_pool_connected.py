"""The aggregator's pool gives connections back without asyncpg's reset round trip, and
still never hands out a connection with someone's transaction open."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

import ioc_aggregator
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


# Session state `keep_session` would leave for the next borrower of the connection.
_SESSION_STATE = re.compile(
    # A statement that starts with SET (not UPDATE's SET), LISTEN, a session-level lock,
    # set_config(..., false), a cursor kept past its transaction.
    r"[\"']\s*SET\s+(?!LOCAL\b)(SESSION\s+)?\w+\s*(=|TO\b)|[\"']\s*LISTEN\s|"
    r"pg_advisory_lock\b|set_config\([^)]*false|WITH\s+HOLD\b",
    re.IGNORECASE,
)


def test_the_aggregator_leaves_no_session_state_on_its_connections() -> None:
    source = Path(ioc_aggregator.__file__).parent
    found = [
        f"{path.relative_to(source)}: {match.group(0)}"
        for path in sorted(source.rglob("*.py"))
        for match in _SESSION_STATE.finditer(path.read_text(encoding="utf-8"))
    ]
    assert found == [], "the pool gives connections back without a reset: " + "; ".join(found)


def test_the_session_state_check_recognises_what_it_looks_for() -> None:
    for statement in ('"SET statement_timeout = 0"', '"LISTEN updates"', "pg_advisory_lock(1)"):
        assert _SESSION_STATE.search(statement), statement
    assert not _SESSION_STATE.search('"SET LOCAL statement_timeout = 0"')
    assert not _SESSION_STATE.search("DO UPDATE SET value = excluded.value")
