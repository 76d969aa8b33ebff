"""The indexes every stored event pays for, and the reads that need each of them.

Each index of the ledger, the figures of record and the id register costs an insert per
stored event (migration 0019). These tests hold the set to the reads named there: adding
an index to the write path, or dropping one a read needs, fails here first.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import asyncpg
import pytest

from ioc_storage.connection import Connection
from ioc_testing import ScratchDatabase
from ioc_testing.ledger import register_out_of_step

pytestmark = pytest.mark.connected

_WRITE_PATH = ("ioc.observations", "ioc.figures", "ioc.event_ids")


async def _indexes(connection: Connection) -> dict[str, str]:
    rows = await connection.fetch(
        "SELECT c.relname AS name, pg_get_indexdef(i.indexrelid) AS definition "
        "FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "WHERE i.indrelid = ANY($1::regclass[])",
        list(_WRITE_PATH),
    )
    return {row["name"]: row["definition"].split(" USING ", 1)[1] for row in rows}


async def test_the_write_path_keeps_only_the_indexes_reads_need(
    migrated_database: ScratchDatabase,
) -> None:
    connection = await asyncpg.connect(migrated_database.dsns["reader"])
    try:
        assert await _indexes(connection) == {
            # Read-back and audit by agency and time; the id ends it, so the revision an
            # id names is found by the index alone.
            "observations_agency_idx": "btree (agency, observed_at DESC, event_id)",
            # Revisions of a figure, series history.
            "observations_series_idx": "btree (indicator, scope, observed_at DESC)",
            # The figure of record, and every series read of it.
            "figures_pkey": "btree (indicator, scope, observed_at)",
            "figures_flagged_idx": (
                "btree (agency, observed_at DESC) WHERE (quality_flags <> '[]'::jsonb)"
            ),
            # Identity: (agency, event_id) is unique; an id alone is a look-up too.
            "event_ids_pkey": "btree (event_id, agency)",
            # Retention's delete by age.
            "event_ids_observed_idx": "brin (observed_at)",
        }
    finally:
        await connection.close()


async def _store(
    connection: Connection, event_id: UUID, observed_at: datetime, value: float
) -> None:
    """An event of so-tttt's, as the aggregator stores it: its id claimed, then its row."""
    await connection.execute(
        "INSERT INTO ioc.event_ids (agency, event_id, observed_at) VALUES ('so-tttt', $1, $2)",
        event_id,
        observed_at,
    )
    await connection.execute(
        "INSERT INTO ioc.observations (event_id, observed_at, indicator, scope, agency, value) "
        "VALUES ($1, $2, 'dvc.paperless-rate', 'province', 'so-tttt', $3)",
        event_id,
        observed_at,
        value,
    )


async def _plan(connection: Connection, query: str, *arguments: object) -> str:
    # The tables are tiny here, so the planner would scan them whatever the indexes:
    # with scans priced out, a plan that still scans means no index can serve the read.
    async with connection.transaction():
        await connection.execute("SET LOCAL enable_seqscan = off")
        rows = await connection.fetch(f"EXPLAIN {query}", *arguments)
    return "\n".join(row[0] for row in rows)


async def test_an_id_alone_and_an_agencys_id_are_index_look_ups(
    migrated_database: ScratchDatabase,
) -> None:
    migrator = await asyncpg.connect(migrated_database.dsns["migrator"])
    try:
        event_id, observed_at = uuid4(), datetime(2024, 6, 30, 17, tzinfo=UTC)
        await _store(migrator, event_id, observed_at, 97.5)
        # The derived service: the figures some ids name, whoever sent them.
        by_id = await _plan(
            migrator,
            "SELECT DISTINCT observed_at FROM ioc.event_ids WHERE event_id = ANY($1::uuid[])",
            [event_id],
        )
        assert "event_ids_pkey" in by_id
        assert "Seq Scan" not in by_id
        # The revision an agency's id names (read-back, the aggregator's repeat check).
        revision = await _plan(
            migrator,
            "SELECT value FROM ioc.observations "
            "WHERE agency = $1 AND event_id = $2 AND observed_at = $3",
            "so-tttt",
            event_id,
            observed_at,
        )
        assert "observations_agency_idx" in revision
        assert "Seq Scan" not in revision
        condition = next(line for line in revision.splitlines() if "Index Cond" in line)
        assert "event_id" in condition, revision
        # And the functions that read it find the row.
        found = await migrator.fetch(
            "SELECT value FROM ioc.stored_events(ARRAY['so-tttt'], ARRAY[$1::uuid])", event_id
        )
        assert [row["value"] for row in found] == [97.5]
    finally:
        await migrator.close()


async def test_an_id_sent_again_is_refused_by_the_register_not_the_ledger(
    migrated_database: ScratchDatabase,
) -> None:
    writer = await asyncpg.connect(migrated_database.dsns["writer"])
    try:
        event_id = uuid4()
        claim = "INSERT INTO ioc.event_ids (agency, event_id, observed_at) VALUES ($1, $2, $3)"
        await writer.execute(claim, "so-tttt", event_id, datetime(2024, 6, 30, tzinfo=UTC))
        with pytest.raises(asyncpg.UniqueViolationError):
            # Another time does not make it another event.
            await writer.execute(claim, "so-tttt", event_id, datetime(2024, 7, 31, tzinfo=UTC))
        # Another agency's id is its own.
        await writer.execute(claim, "ubnd-thu-dau-mot", event_id, datetime(2024, 6, 30, tzinfo=UTC))
    finally:
        await writer.close()


async def test_retention_drops_old_ids_with_their_chunks_and_keeps_the_rest(
    migrated_database: ScratchDatabase,
) -> None:
    migrator = await asyncpg.connect(migrated_database.dsns["migrator"])
    try:
        now = datetime.now(UTC)
        ids = {"old": (uuid4(), now - timedelta(days=800)), "new": (uuid4(), now)}
        for event_id, observed_at in ids.values():
            await _store(migrator, event_id, observed_at, 1.0)
        dropped = await migrator.fetchval(
            "SELECT ioc.drop_observations_older_than(interval '2 years')"
        )
        assert dropped == 1
        kept = await migrator.fetch("SELECT event_id FROM ioc.event_ids")
        assert [row["event_id"] for row in kept] == [ids["new"][0]]
        ledger = await migrator.fetch("SELECT event_id FROM ioc.observations")
        assert [row["event_id"] for row in ledger] == [ids["new"][0]]
    finally:
        await migrator.close()


async def test_the_reconciliation_finds_a_ledger_and_register_out_of_step(
    migrated_database: ScratchDatabase,
) -> None:
    """The guard the dropped ledger key leaves: the fault suite's reconciliation names a
    revision stored without claiming its id, and an id claimed without its revision."""
    migrator = await asyncpg.connect(migrated_database.dsns["migrator"])
    reader = await asyncpg.connect(migrated_database.dsns["reader"])
    try:
        observed_at = datetime(2024, 6, 30, 17, tzinfo=UTC)
        kept, unclaimed, unledgered = uuid4(), uuid4(), uuid4()
        await _store(migrator, kept, observed_at, 97.5)
        assert await register_out_of_step(reader) == (frozenset(), frozenset())
        await migrator.execute(
            "INSERT INTO ioc.observations (event_id, observed_at, indicator, scope, agency, "
            "value) VALUES ($1, $2, 'dvc.paperless-rate', 'province', 'so-tttt', 1)",
            unclaimed,
            observed_at,
        )
        await migrator.execute(
            "INSERT INTO ioc.event_ids (agency, event_id, observed_at) VALUES ('so-tttt', $1, $2)",
            unledgered,
            observed_at,
        )
        # The same id claimed under another moment is not the revision's claim either.
        await migrator.execute(
            "UPDATE ioc.event_ids SET observed_at = observed_at - interval '1 day' "
            "WHERE event_id = $1",
            kept,
        )
        found = await register_out_of_step(reader)
        assert found == (
            frozenset({f"so-tttt {unclaimed}", f"so-tttt {kept}"}),
            frozenset({f"so-tttt {unledgered}", f"so-tttt {kept}"}),
        )
    finally:
        await reader.close()
        await migrator.close()
