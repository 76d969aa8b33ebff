"""Syncs the validated catalog into the database, all or nothing.

The YAML catalog is the source of truth: entries are upserted, and entries that
left the catalog are deleted in the same transaction, so the database never holds
a half-loaded catalog. An entry still referenced (a target with alerts) makes the
whole sync fail with the name of that entry, rather than orphan its history.
"""

from __future__ import annotations

from pathlib import Path

import asyncpg

from ioc_catalog.loader import default_catalog_dir, load_catalog
from ioc_catalog.policy import grants
from ioc_contracts.catalog import Catalog
from ioc_storage.audit import Actor, AuditAction, AuditRecord, record_audit
from ioc_storage.catalog_rows import (
    TableRows,
    agency_parents,
    agency_rows,
    domain_rows,
    escalation_rows,
    indicator_rows,
    recipient_rows,
    scope_change_rows,
    target_rows,
)
from ioc_storage.connection import Connection


class CatalogSyncError(RuntimeError):
    """The catalog could not be written; nothing was changed."""


async def _replace(connection: Connection, entries: TableRows) -> None:
    """Upserts the entries' rows by their key and deletes the rows whose key is not among them.

    Table and column names are `catalog_rows`' own constants, never input, so
    building the statement as text is safe here.
    """
    table, key, columns = entries.table, entries.key, entries.columns
    placeholders = ", ".join(f"${i}" for i in range(1, len(columns) + 1))
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns if c != key)
    upsert = f"INSERT INTO ioc.{table} ({', '.join(columns)}) VALUES ({placeholders}) "  # noqa: S608
    await connection.executemany(
        upsert + f"ON CONFLICT ({key}) DO UPDATE SET {updates}", entries.rows
    )
    keys = [row[columns.index(key)] for row in entries.rows]
    try:
        await connection.execute(
            f"DELETE FROM ioc.{table} WHERE NOT ({key} = ANY($1))",  # noqa: S608
            keys,
        )
    except asyncpg.ForeignKeyViolationError as error:
        raise CatalogSyncError(
            f"cannot remove an entry from {table} that is still referenced: {error.detail}"
        ) from error


async def sync_catalog(connection: Connection, catalog: Catalog) -> dict[str, int]:
    """Writes `catalog` in one transaction; returns how many entries of each kind."""
    async with connection.transaction():
        # Children first: their rows point at the parents being replaced.
        await connection.execute("DELETE FROM ioc.publish_grants")
        await connection.execute("DELETE FROM ioc.target_escalations")
        await connection.execute("DELETE FROM ioc.scope_change_scopes")
        await _replace(connection, domain_rows(catalog))
        # Parents are set in a second pass so agencies can be listed in any order.
        await _replace(connection, agency_rows(catalog))
        await connection.executemany(
            "UPDATE ioc.agencies SET parent = $2 WHERE code = $1", agency_parents(catalog)
        )
        await _replace(connection, indicator_rows(catalog))
        grant_rows = sorted((g.agency, g.indicator, g.scope) for g in grants(catalog))
        await connection.copy_records_to_table(
            "publish_grants",
            schema_name="ioc",
            records=grant_rows,
            columns=["agency", "indicator", "scope"],
        )
        await _replace(connection, recipient_rows(catalog))
        await _replace(connection, target_rows(catalog))
        await connection.executemany(
            "INSERT INTO ioc.target_escalations (target, level, after_minutes, recipients) "
            "VALUES ($1, $2, $3, $4)",
            escalation_rows(catalog),
        )
        changes, members = scope_change_rows(catalog)
        await _replace(connection, changes)
        await connection.executemany(
            "INSERT INTO ioc.scope_change_scopes (change, role, scope, position) "
            "VALUES ($1, $2, $3, $4)",
            members,
        )
    return {
        "domains": len(catalog.domains),
        "agencies": len(catalog.agencies),
        "indicators": len(catalog.indicators),
        "publish grants": len(grant_rows),
        "recipients": len(catalog.recipients),
        "targets": len(catalog.targets),
        "scope changes": len(catalog.scope_changes),
    }


async def load_and_sync(dsn: str, directory: str | None, *, actor: Actor) -> dict[str, int]:
    """Loads the catalog folder and syncs it, recording who loaded what in the audit log."""
    folder = Path(directory) if directory else default_catalog_dir()
    catalog = load_catalog(folder)
    connection = await asyncpg.connect(dsn)
    try:
        async with connection.transaction():
            counts = await sync_catalog(connection, catalog)
            await record_audit(
                connection,
                AuditRecord(
                    actor=actor,
                    action=AuditAction.CATALOG_LOAD,
                    subject=str(folder.resolve()),
                    detail=counts,
                ),
            )
        return counts
    finally:
        await connection.close()
