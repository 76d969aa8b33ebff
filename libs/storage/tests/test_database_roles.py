"""The database roles the migrations create: each service's role may do its job and no
more, and none is a superuser (real TimescaleDB, a database per test)."""

from __future__ import annotations

import asyncpg
import pytest

from ioc_testing import ScratchDatabase

pytestmark = pytest.mark.connected


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
    migrated_database: ScratchDatabase, role: str, statement: str
) -> None:
    connection = await asyncpg.connect(migrated_database.dsns[role])
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
    migrated_database: ScratchDatabase, role: str, query: str
) -> None:
    connection = await asyncpg.connect(migrated_database.dsns[role])
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
