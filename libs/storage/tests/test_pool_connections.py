"""A pooled connection knows the services' array types before its first statement, and a
service can open its connections before the first request needs them.

asyncpg asks the server about a type it does not know with a recursive catalog query
(`typeinfo_tree`), run on the connection just before the statement that needs it: the
query logger sees it, so these tests see whether a statement waited for one."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import asyncpg
import pytest

from ioc_storage.connection import Connection
from ioc_storage.pooling import ARRAY_TYPES, open_ahead, service_pool
from ioc_testing import ScratchDatabase

ROOT = Path(__file__).resolve().parents[3]
# One value of each array type, as the services bind them.
_EVERY_ARRAY = "SELECT " + ", ".join(f"${n}::{name}" for n, name in enumerate(ARRAY_TYPES, 1))
_VALUES = {
    "bigint[]": [1],
    "bool[]": [True],
    "bytea[]": [b"x"],
    "date[]": [],
    "float8[]": [1.5],
    "integer[]": [1],
    "jsonb[]": ["{}"],
    "text[]": ["a"],
    "timestamptz[]": [],
    "uuid[]": [],
}
# How the services' SQL spells a type, and the name it has here.
_ALIASES = {"int": "integer", "int4": "integer", "int8": "bigint", "double precision": "float8"}


async def _types_asked(connection: Connection) -> list[str]:
    """The introspection queries the connection ran for one statement using every type."""
    seen: list[str] = []
    connection.add_query_logger(lambda record: seen.append(record.query))
    await connection.fetchrow(_EVERY_ARRAY, *(_VALUES[name] for name in ARRAY_TYPES))
    return [query for query in seen if "typeinfo_tree" in query]


pytestmark = pytest.mark.connected


async def test_a_pooled_connection_knows_every_array_type_before_its_first_statement(
    scratch_database: ScratchDatabase,
) -> None:
    dsn = scratch_database.dsns["migrator"]
    # Without learning them up front, asyncpg would ask in the statement: the probe sees it.
    bare = await asyncpg.connect(dsn)
    try:
        assert await _types_asked(bare)
    finally:
        await bare.close()

    pool = await service_pool(dsn, size=2, application_name="ioc-test")
    try:
        async with pool.acquire() as connection:
            assert await _types_asked(connection) == []
    finally:
        await pool.close()


def test_every_array_type_the_services_cast_to_is_learned_up_front() -> None:
    sources = [
        *ROOT.glob("services/*/src/**/*.py"),
        *ROOT.glob("libs/*/src/**/*.py"),
        *ROOT.glob("libs/*/src/**/*.sql"),
    ]
    cast = re.compile(r"::([a-z0-9_ ]+?)\[\]")
    used = {
        _ALIASES.get(name, name) + "[]"
        for path in sources
        for name in cast.findall(path.read_text(encoding="utf-8"))
    }
    assert used, "the scan found no array casts: it no longer reads the services' SQL"
    assert used <= set(ARRAY_TYPES), sorted(used - set(ARRAY_TYPES))


async def _open_connections(superuser: asyncpg.Connection, database: str, name: str) -> int:
    count: int = await superuser.fetchval(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND application_name = $2",
        database,
        name,
    )
    return count


async def test_connections_opened_ahead_are_open_and_know_the_types(
    scratch_database: ScratchDatabase,
) -> None:
    pool = await service_pool(scratch_database.dsns["migrator"], size=5, application_name="ahead")
    watcher = await asyncpg.connect(scratch_database.dsns["migrator"])
    try:
        assert await _open_connections(watcher, scratch_database.name, "ahead") == 0
        await open_ahead(pool, 3)
        assert await _open_connections(watcher, scratch_database.name, "ahead") == 3
        # Given back: a request takes one without opening another.
        async with pool.acquire() as connection:
            assert await _types_asked(connection) == []
        assert await _open_connections(watcher, scratch_database.name, "ahead") == 3
    finally:
        await watcher.close()
        await pool.close()


async def test_a_database_out_of_reach_is_left_to_the_first_statement(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Nothing listens on port 1: the pool cannot open a connection.
    pool = await service_pool(
        "postgresql://nobody:secret@127.0.0.1:1/none", size=2, application_name="ahead", timeout=2
    )
    try:
        with caplog.at_level(logging.INFO, logger="ioc_storage.pooling"):
            await open_ahead(pool, 2)
        [record] = [r for r in caplog.records if r.name == "ioc_storage.pooling"]
        assert "opened when first needed" in record.getMessage()
        assert "secret" not in repr(record.__dict__)
    finally:
        await pool.close()
