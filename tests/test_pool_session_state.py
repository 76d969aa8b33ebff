"""Every service's pool gives connections back without asyncpg's reset round trip
(`ioc_storage.pooling.keep_session`), still never hands out a connection with someone's
transaction open, and no service keeps session state a reset would have undone: a
source scan fails the day one of them starts to."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import asyncpg
import pytest

import ioc_aggregator
import ioc_alerts
import ioc_derived
import ioc_ingest
import ioc_storage
from ioc_aggregator.outbound.database import create_pool
from ioc_alerts.service import open_pool as alerts_pool
from ioc_derived.main import open_pool as derived_pool
from ioc_ingest.services import open_pool as ingest_pool
from ioc_testing import ScratchDatabase

_LAST = "SELECT 'last statement before release'"


def _aggregator(dsn: str) -> Awaitable[asyncpg.Pool]:
    return create_pool(dsn, size=2, statement_timeout_ms=5000)


# Each service's pool factory, and its database role (a role sees its own sessions).
_POOLS: dict[str, tuple[str, Callable[[str], Awaitable[asyncpg.Pool]]]] = {
    "aggregator": ("writer", _aggregator),
    "alerts": ("alerts", alerts_pool),
    "derived": ("derived", derived_pool),
    "ingest": ("ingest", ingest_pool),
}


@pytest.fixture(params=sorted(_POOLS))
async def pool(
    request: pytest.FixtureRequest, catalog_database: ScratchDatabase
) -> AsyncIterator[tuple[asyncpg.Pool, str]]:
    """Each service's own pool, from its own factory, and the role's DSN."""
    role, factory = _POOLS[request.param]
    dsn = catalog_database.dsns[role]
    created = await factory(dsn)
    yield created, dsn
    await created.close()


async def _backend(dsn: str, pid: int) -> asyncpg.Record:
    monitor = await asyncpg.connect(dsn)
    try:
        row = await monitor.fetchrow(
            "SELECT query, state FROM pg_stat_activity WHERE pid = $1", pid
        )
    finally:
        await monitor.close()
    assert row is not None
    return row


@pytest.mark.connected
async def test_a_released_connection_gets_no_reset_statement(
    pool: tuple[asyncpg.Pool, str],
) -> None:
    connections, dsn = pool
    async with connections.acquire() as connection:
        pid = connection.get_server_pid()
        await connection.execute(_LAST)
    # asyncpg's default reset would be the backend's last statement by now.
    assert (await _backend(dsn, pid))["query"] == _LAST


@pytest.mark.connected
async def test_a_transaction_left_open_is_rolled_back_on_release(
    pool: tuple[asyncpg.Pool, str],
) -> None:
    connections, dsn = pool
    async with connections.acquire() as connection:
        pid = connection.get_server_pid()
        await connection.execute("BEGIN")
        await connection.execute("SELECT 1")
    assert (await _backend(dsn, pid))["state"] == "idle"


# Session state `keep_session` would leave for the next borrower of the connection.
_SESSION_STATE = re.compile(
    # A statement that starts with SET (not UPDATE's SET), LISTEN, a session-level lock,
    # set_config(..., false), a cursor kept past its transaction, a temporary table.
    r"[\"']\s*SET\s+(?!LOCAL\b)(SESSION\s+)?\w+\s*(=|TO\b)|[\"']\s*LISTEN\s|"
    r"pg_(try_)?advisory_lock(_shared)?\b|set_config\([^)]*false|WITH\s+HOLD\b|\bTEMP(ORARY)?\s+TABLE\b",
    re.IGNORECASE,
)
# Code that never runs on those pools: the migrations take their lock on a connection
# of their own.
_OWN_CONNECTIONS = {"ioc_storage/migrate.py"}


@pytest.mark.parametrize(
    "package", [ioc_aggregator, ioc_alerts, ioc_derived, ioc_ingest, ioc_storage]
)
def test_the_pooled_services_leave_no_session_state_on_their_connections(package: object) -> None:
    source = Path(str(getattr(package, "__file__", ""))).parent
    found = [
        f"{path.relative_to(source.parent)}: {match.group(0)}"
        for path in sorted(source.rglob("*.py"))
        if str(path.relative_to(source.parent)) not in _OWN_CONNECTIONS
        for match in _SESSION_STATE.finditer(path.read_text(encoding="utf-8"))
    ]
    assert found == [], "the pool gives connections back without a reset: " + "; ".join(found)


def test_the_session_state_check_recognises_what_it_looks_for() -> None:
    for statement in (
        '"SET statement_timeout = 0"',
        '"LISTEN updates"',
        "pg_advisory_lock(1)",
        "pg_try_advisory_lock(1)",
        "CREATE TEMP TABLE staged (id int)",
    ):
        assert _SESSION_STATE.search(statement), statement
    assert not _SESSION_STATE.search('"SET LOCAL statement_timeout = 0"')
    assert not _SESSION_STATE.search("DO UPDATE SET value = excluded.value")
    assert not _SESSION_STATE.search("SELECT pg_advisory_xact_lock(1)")
