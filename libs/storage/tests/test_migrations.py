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


async def test_observations_is_a_hypertable_keyed_by_agency_event_and_time(
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
        key = await connection.fetch(
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a "
            "ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
            "WHERE i.indrelid = 'ioc.observations'::regclass AND i.indisprimary"
        )
        assert {row["attname"] for row in key} == {"agency", "event_id", "observed_at"}
    finally:
        await connection.close()


async def _insert_observation(
    connection: Connection, event_id: object, observed_at: datetime, value: float
) -> str:
    return str(
        await connection.execute(
            "INSERT INTO ioc.observations (event_id, observed_at, indicator, scope, agency, value) "
            "VALUES ($1, $2, 'dvc.paperless-rate', 'province', 'so-tttt', $3) "
            "ON CONFLICT DO NOTHING",
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
        # The same event again is absorbed by the idempotency key.
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
