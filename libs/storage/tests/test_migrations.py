"""Migrations against the real TimescaleDB, each test in a database of its own."""

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


async def _migrated(db: ScratchDatabase) -> None:
    connection = await asyncpg.connect(db.dsns["migrator"])
    try:
        await apply_migrations(connection, shipped_migrations())
    finally:
        await connection.close()


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
    scratch_database: ScratchDatabase,
) -> None:
    await _migrated(scratch_database)
    connection = await asyncpg.connect(scratch_database.dsns["reader"])
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
    scratch_database: ScratchDatabase,
) -> None:
    await _migrated(scratch_database)
    writer = await asyncpg.connect(scratch_database.dsns["writer"])
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


async def test_non_finite_values_never_reach_the_table(scratch_database: ScratchDatabase) -> None:
    await _migrated(scratch_database)
    writer = await asyncpg.connect(scratch_database.dsns["writer"])
    try:
        for value in (float("nan"), float("inf"), float("-inf")):
            with pytest.raises(asyncpg.CheckViolationError):
                await _insert_observation(writer, uuid4(), datetime.now(UTC), value)
    finally:
        await writer.close()


@pytest.mark.parametrize(
    ("role", "statement"),
    [
        (
            "reader",
            "INSERT INTO ioc.observations (event_id, observed_at, indicator, scope, agency,"
            " value) VALUES (gen_random_uuid(), now(), 'x', 'province', 'so-tttt', 1)",
        ),
        ("reader", "DELETE FROM ioc.latest_values"),
        ("reader", "SELECT key_hash FROM ioc.agency_credentials"),
        ("reader", "CREATE TABLE ioc.sneaky (id int)"),
        ("writer", "DELETE FROM ioc.observations"),
        ("writer", "UPDATE ioc.indicators SET name_en = 'x'"),
        ("writer", "SELECT * FROM ioc.agency_credentials"),
        ("ingest", "SELECT * FROM ioc.observations"),
        ("ingest", "SELECT * FROM ioc.event_ids"),
        ("ingest", "SELECT * FROM ioc.figures"),
        ("writer", "DELETE FROM ioc.figures"),
        ("writer", "DELETE FROM ioc.event_ids"),
        ("alerts", "UPDATE ioc.figures SET value = 0"),
        ("reader", "UPDATE ioc.figures SET value = 0"),
        ("ingest", "DELETE FROM ioc.audit_log"),
        (
            "alerts",
            "INSERT INTO ioc.observations (event_id, observed_at, indicator, scope, agency,"
            " value) VALUES (gen_random_uuid(), now(), 'x', 'province', 'so-tttt', 1)",
        ),
        ("alerts", "DELETE FROM ioc.alerts"),
        ("alerts", "CREATE TABLE public.sneaky (id int)"),
        # Channel tokens (Zalo's OA tokens) are the alert service's alone.
        ("reader", "SELECT refresh_token FROM ioc.channel_tokens"),
        ("writer", "SELECT * FROM ioc.channel_tokens"),
        ("ingest", "SELECT * FROM ioc.channel_tokens"),
        ("alerts", "DELETE FROM ioc.channel_tokens"),
        # Read-back: the gateway asks the security-definer functions, nothing else.
        ("ingest", "SELECT * FROM ioc.refused_events"),
        ("ingest", "SELECT * FROM ioc.figure_revisions"),
        ("writer", "DELETE FROM ioc.refused_events"),
        ("reader", "SELECT * FROM ioc.agency_event('so-tttt', gen_random_uuid(), 5)"),
        (
            "alerts",
            "SELECT * FROM ioc.agency_series_revisions('so-tttt', 'x', 'y', now(), now(), 1)",
        ),
        # The derived service writes no figure (its results go through Kafka): it may
        # only flag a figure of record, and record lineage and disagreements.
        ("derived", "UPDATE ioc.figures SET value = 0"),
        ("derived", "DELETE FROM ioc.figures"),
        ("derived", "DELETE FROM ioc.derived_lineage"),
        ("derived", "SELECT * FROM ioc.agency_credentials"),
        ("derived", "UPDATE ioc.latest_values SET value = 0"),
        ("derived", "UPDATE ioc.agencies SET valid_until = now()"),
        # The aggregator's writer no longer touches what the derived service keeps.
        ("writer", "SELECT * FROM ioc.derived_lineage"),
    ],
)
async def test_roles_have_least_privilege(
    scratch_database: ScratchDatabase, role: str, statement: str
) -> None:
    await _migrated(scratch_database)
    connection = await asyncpg.connect(scratch_database.dsns[role])
    try:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await connection.execute(statement)
    finally:
        await connection.close()


@pytest.mark.parametrize(
    ("role", "query"),
    [
        ("reader", "SELECT count(*) FROM ioc.observations"),
        ("reader", "SELECT count(*) FROM ioc.alerts"),
        ("writer", "SELECT count(*) FROM ioc.publish_grants"),
        ("ingest", "SELECT count(*) FROM ioc.agency_credentials"),
        ("alerts", "SELECT count(*) FROM ioc.latest_values"),
        ("alerts", "SELECT count(*) FROM ioc.channel_tokens"),
        ("writer", "SELECT count(*) FROM ioc.refused_events"),
        ("writer", "SELECT count(*) FROM ioc.scope_change_scopes"),
        ("reader", "SELECT count(*) FROM ioc.series_across_changes"),
        ("derived", "SELECT count(*) FROM ioc.figures"),
        ("derived", "SELECT count(*) FROM ioc.scope_changes"),
        ("derived", "SELECT count(*) FROM ioc.derived_lineage"),
        (
            "derived",
            "WITH flagged AS (UPDATE ioc.figures SET quality_flags = quality_flags"
            " WHERE false RETURNING 1) SELECT count(*) FROM flagged",
        ),
        ("reader", "SELECT count(*) FROM ioc.refused_events"),
        ("ingest", "SELECT count(*) FROM ioc.agency_event('so-tttt', gen_random_uuid(), 5)"),
        (
            "ingest",
            "SELECT count(*) FROM ioc.agency_series_revisions("
            "'so-tttt', 'x', 'y', '-infinity', 'infinity', 10)",
        ),
    ],
)
async def test_roles_can_do_their_job(
    scratch_database: ScratchDatabase, role: str, query: str
) -> None:
    await _migrated(scratch_database)
    connection = await asyncpg.connect(scratch_database.dsns[role])
    try:
        assert await connection.fetchval(query) == 0
    finally:
        await connection.close()


async def test_no_service_role_is_a_superuser(superuser_dsn: str) -> None:
    connection = await asyncpg.connect(superuser_dsn)
    try:
        rows = await connection.fetch(
            "SELECT rolname, rolsuper, rolcreaterole, rolcreatedb FROM pg_roles "
            "WHERE rolname LIKE 'ioc\\_%'"
        )
    finally:
        await connection.close()
    assert {row["rolname"] for row in rows} >= {
        "ioc_migrator",
        "ioc_writer",
        "ioc_ingest",
        "ioc_alerts",
        "ioc_reader",
    }
    assert not any(row["rolsuper"] or row["rolcreaterole"] or row["rolcreatedb"] for row in rows)
