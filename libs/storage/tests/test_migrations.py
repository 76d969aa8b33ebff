"""Migrations against the real TimescaleDB, each test in a database of its own (the
roles they create: test_database_roles.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import asyncpg
import pytest

from ioc_storage.connection import Connection
from ioc_storage.migrate import (
    Migration,
    MigrationError,
    applied_versions,
    apply_migrations,
    read_migrations,
    shipped_migrations,
)
from ioc_testing import ScratchDatabase

pytestmark = pytest.mark.connected


async def test_migrations_apply_once_and_are_recorded(scratch_database: ScratchDatabase) -> None:
    connection = await asyncpg.connect(scratch_database.dsns["migrator"])
    try:
        migrations = shipped_migrations()
        first = await apply_migrations(connection, migrations)
        second = await apply_migrations(connection, migrations)
        assert [m.version for m in first] == [m.version for m in migrations]
        assert second == []
        assert await applied_versions(connection) == [m.version for m in migrations]
    finally:
        await connection.close()


async def test_an_edited_migration_is_refused(scratch_database: ScratchDatabase) -> None:
    connection = await asyncpg.connect(scratch_database.dsns["migrator"])
    try:
        migrations = shipped_migrations()
        await apply_migrations(connection, migrations)
        edited = [
            *migrations[:-1],
            Migration(migrations[-1].version, migrations[-1].name, "SELECT 1"),
        ]
        with pytest.raises(MigrationError, match="changed after it was applied"):
            await apply_migrations(connection, edited)
    finally:
        await connection.close()


async def test_a_failing_migration_rolls_back_and_names_itself(
    scratch_database: ScratchDatabase,
) -> None:
    connection = await asyncpg.connect(scratch_database.dsns["migrator"])
    try:
        broken = Migration(1, "broken", "CREATE TABLE half_done (id int); SELECT no_such_column;")
        with pytest.raises(MigrationError, match="0001_broken failed"):
            await apply_migrations(connection, [broken])
        assert await connection.fetchval("SELECT to_regclass('half_done')") is None
        assert await applied_versions(connection) == []
    finally:
        await connection.close()


def test_misnamed_migration_files_are_refused(tmp_path: Path) -> None:
    (tmp_path / "1_first.sql").write_text("SELECT 1", encoding="utf-8")
    with pytest.raises(MigrationError, match=r"NNNN_name\.sql"):
        read_migrations(tmp_path)


async def test_observations_is_a_hypertable_and_identity_is_the_id_register(
    migrated_database: ScratchDatabase,
) -> None:
    connection = await asyncpg.connect(migrated_database.dsns["reader"])
    try:
        dimension = await connection.fetchrow(
            "SELECT column_name, time_interval FROM timescaledb_information.dimensions "
            "WHERE hypertable_schema = 'ioc' AND hypertable_name = 'observations'"
        )
        assert dimension is not None
        assert dimension["column_name"] == "observed_at"
        assert dimension["time_interval"] == timedelta(days=30)
        assert await _primary_key(connection, "ioc.observations") == []
        # The key of an event: the id first, so an id alone is a look-up too.
        assert await _primary_key(connection, "ioc.event_ids") == ["event_id", "agency"]
    finally:
        await connection.close()


async def _primary_key(connection: Connection, table: str) -> list[str]:
    rows = await connection.fetch(
        "SELECT a.attname FROM pg_index i, unnest(i.indkey) WITH ORDINALITY AS k(attnum, n) "
        "JOIN pg_attribute a ON a.attnum = k.attnum "
        "WHERE i.indrelid = $1::regclass AND a.attrelid = i.indrelid AND i.indisprimary "
        "ORDER BY k.n",
        table,
    )
    return [row["attname"] for row in rows]


async def _insert_observation(
    connection: Connection, event_id: object, observed_at: datetime, value: float
) -> str:
    """As the aggregator stores: the id is claimed in the register, then the revision."""
    return str(
        await connection.execute(
            "WITH claimed AS ("
            " INSERT INTO ioc.event_ids (agency, event_id, observed_at)"
            " VALUES ('so-tttt', $1, $2) ON CONFLICT DO NOTHING RETURNING *) "
            "INSERT INTO ioc.observations (event_id, observed_at, indicator, scope, agency, value) "
            "SELECT event_id, observed_at, 'dvc.paperless-rate', 'province', agency, $3 "
            "FROM claimed",
            event_id,
            observed_at,
            value,
        )
    )


async def test_writer_role_writes_idempotently_and_queries_by_time_bucket(
    migrated_database: ScratchDatabase,
) -> None:
    writer = await asyncpg.connect(migrated_database.dsns["writer"])
    try:
        start = datetime(2023, 6, 1, tzinfo=UTC)
        events = [(uuid4(), start + timedelta(days=d), 37.0 + d) for d in range(10)]
        for event_id, at, value in events:
            assert await _insert_observation(writer, event_id, at, value) == "INSERT 0 1"
        # The same event again is absorbed by the id register.
        assert await _insert_observation(writer, *events[3]) == "INSERT 0 0"
        rows = await writer.fetch(
            "SELECT time_bucket('7 days', observed_at, $1::timestamptz) AS week, count(*) AS n, "
            "max(value) AS top FROM ioc.observations GROUP BY 1 ORDER BY 1",
            start,
        )
        assert [(row["n"], row["top"]) for row in rows] == [(7, 43.0), (3, 46.0)]
        chunks = await writer.fetchval(
            "SELECT count(*) FROM timescaledb_information.chunks WHERE hypertable_name = 'observations'"
        )
        assert chunks >= 1
    finally:
        await writer.close()


async def test_non_finite_values_never_reach_the_table(migrated_database: ScratchDatabase) -> None:
    writer = await asyncpg.connect(migrated_database.dsns["writer"])
    try:
        for value in (float("nan"), float("inf"), float("-inf")):
            with pytest.raises(asyncpg.CheckViolationError):
                await _insert_observation(writer, uuid4(), datetime.now(UTC), value)
    finally:
        await writer.close()
