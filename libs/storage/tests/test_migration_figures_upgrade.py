"""Migration 0009 upgrades a database that already holds observations.

Before it, the key was (event_id, observed_at) and a correction with a new id at the same
observed_at left two rows that rollups summed. After it, each figure has one figure of
record (the newest revision), every earlier revision stays in the ledger, and ids belong
to their agency.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import asyncpg
import pytest

from ioc_storage.connection import Connection
from ioc_storage.migrate import apply_migrations, shipped_migrations
from ioc_testing import ScratchDatabase

pytestmark = pytest.mark.connected

_FIGURES_VERSION = 9
_AT = datetime(2023, 6, 15, tzinfo=UTC)


async def _insert_old_row(
    connection: Connection,
    *,
    indicator: str,
    scope: str,
    value: float,
    received_at: datetime,
    agency: str = "so-tttt",
) -> None:
    await connection.execute(
        "INSERT INTO ioc.observations (event_id, observed_at, indicator, scope, agency, value,"
        " received_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        uuid4(),
        _AT,
        indicator,
        scope,
        agency,
        value,
        received_at,
    )


async def test_an_existing_database_keeps_every_revision_and_one_figure_of_record(
    scratch_database: ScratchDatabase,
) -> None:
    connection = await asyncpg.connect(scratch_database.dsns["migrator"])
    try:
        migrations = shipped_migrations()
        before = [m for m in migrations if m.version < _FIGURES_VERSION]
        await apply_migrations(connection, before)
        first = datetime(2023, 6, 16, tzinfo=UTC)
        # The double-counted correction of the report: 100, then 120 under a new id.
        await _insert_old_row(
            connection, indicator="dvc.x", scope="province", value=100, received_at=first
        )
        await _insert_old_row(
            connection,
            indicator="dvc.x",
            scope="province",
            value=120,
            received_at=first + timedelta(hours=1),
        )
        await _insert_old_row(
            connection, indicator="dvc.y", scope="province", value=7, received_at=first
        )
        await connection.execute(
            "INSERT INTO ioc.latest_values (indicator, scope, observed_at, value, event_id, agency)"
            " SELECT indicator, scope, observed_at, value, event_id, agency"
            " FROM ioc.observations WHERE value IN (100, 7)"
        )
        old_rollup = await connection.fetchrow(
            "SELECT sum_value, samples FROM ioc.series_rollup('dvc.x', 'province', '1 day',"
            " '2023-06-01', '2023-07-01')"
        )
        assert old_rollup is not None
        assert (old_rollup["sum_value"], old_rollup["samples"]) == (220, 2)

        applied = await apply_migrations(connection, migrations)

        assert [m.version for m in applied] == [
            m.version for m in migrations if m.version >= _FIGURES_VERSION
        ]
        assert await connection.fetchval("SELECT count(*) FROM ioc.observations") == 3
        rollup = await connection.fetchrow(
            "SELECT sum_value, samples FROM ioc.series_rollup('dvc.x', 'province', '1 day',"
            " '2023-06-01', '2023-07-01')"
        )
        assert rollup is not None
        assert (rollup["sum_value"], rollup["samples"]) == (120, 1)
        latest = await connection.fetchval(
            "SELECT value FROM ioc.latest_values WHERE indicator = 'dvc.x'"
        )
        assert latest == 120
        history = await connection.fetch(
            "SELECT value, revision, of_record FROM ioc.figure_revisions"
            " WHERE indicator = 'dvc.x' ORDER BY revision"
        )
        assert [(r["value"], r["revision"], r["of_record"]) for r in history] == [
            (100, 1, False),
            (120, 2, True),
        ]
        assert await connection.fetchval("SELECT count(*) FROM ioc.event_ids") == 3
    finally:
        await connection.close()
