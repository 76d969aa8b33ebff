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
from ioc_catalog.scopes import resolve_changes
from ioc_contracts.catalog import Catalog
from ioc_storage.audit import Actor, AuditAction, AuditRecord, record_audit
from ioc_storage.connection import Connection


class CatalogSyncError(RuntimeError):
    """The catalog could not be written; nothing was changed."""


async def _replace(
    connection: Connection,
    table: str,
    key: str,
    columns: tuple[str, ...],
    rows: list[tuple[object, ...]],
) -> None:
    """Upserts `rows` by `key` and deletes the rows whose key is not among them.

    Table and column names are this module's own constants, never input, so
    building the statement as text is safe here.
    """
    placeholders = ", ".join(f"${i}" for i in range(1, len(columns) + 1))
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns if c != key)
    upsert = f"INSERT INTO ioc.{table} ({', '.join(columns)}) VALUES ({placeholders}) "  # noqa: S608
    await connection.executemany(upsert + f"ON CONFLICT ({key}) DO UPDATE SET {updates}", rows)
    keys = [row[columns.index(key)] for row in rows]
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
        await _replace(
            connection,
            "domains",
            "code",
            ("code", "name_vi", "name_en"),
            [(d.code, d.name_vi, d.name_en) for d in catalog.domains],
        )
        # Parents are set in a second pass so agencies can be listed in any order.
        await _replace(
            connection,
            "agencies",
            "code",
            ("code", "name_vi", "name_en", "kind", "parent", "valid_from", "valid_until"),
            [
                (a.code, a.name_vi, a.name_en, a.kind.value, None, a.valid_from, a.valid_until)
                for a in catalog.agencies
            ],
        )
        await connection.executemany(
            "UPDATE ioc.agencies SET parent = $2 WHERE code = $1",
            [(a.code, a.parent) for a in catalog.agencies if a.parent],
        )
        await _replace(
            connection,
            "indicators",
            "code",
            (
                "code",
                "name_vi",
                "name_en",
                "domain",
                "unit",
                "direction",
                "cadence",
                "cadence_period",
                "rollup",
                "min_value",
                "max_value",
                "description_vi",
                "observed_since",
                "quality",
                "due_day",
                "formula",
            ),
            [
                (
                    i.code,
                    i.name_vi,
                    i.name_en,
                    i.domain,
                    i.unit.value,
                    i.direction.value,
                    i.cadence.value,
                    i.cadence.interval(),
                    i.rollup.value,
                    i.min_value,
                    i.max_value,
                    i.description_vi,
                    i.earliest_observed,
                    i.quality.model_dump_json(),
                    i.due_days,
                    i.formula.model_dump_json() if i.formula else None,
                )
                for i in catalog.indicators
            ],
        )
        grant_rows = sorted((g.agency, g.indicator, g.scope) for g in grants(catalog))
        await connection.copy_records_to_table(
            "publish_grants",
            schema_name="ioc",
            records=grant_rows,
            columns=["agency", "indicator", "scope"],
        )
        await _replace(
            connection,
            "recipients",
            "id",
            (
                "id",
                "name",
                "role_vi",
                "email",
                "telegram_chat_id",
                "zalo_user_id",
                "language",
                "agency",
                "duty",
            ),
            [
                (
                    r.id,
                    r.name,
                    r.role_vi,
                    r.email,
                    r.telegram_chat_id,
                    r.zalo_user_id,
                    r.language.value,
                    r.agency,
                    r.duty.value if r.duty else None,
                )
                for r in catalog.recipients
            ],
        )
        await _replace(
            connection,
            "targets",
            "code",
            (
                "code",
                "indicator",
                "scope",
                "kind",
                "value",
                "deadline",
                "baseline_value",
                "baseline_at",
                "severity",
                "title_vi",
                "title_en",
            ),
            [
                (
                    t.code,
                    t.indicator,
                    t.scope,
                    t.kind.value,
                    t.value,
                    t.deadline,
                    t.baseline.value if t.baseline else None,
                    t.baseline.at if t.baseline else None,
                    t.severity.value,
                    t.title_vi,
                    t.title_en,
                )
                for t in catalog.targets
            ],
        )
        await connection.executemany(
            "INSERT INTO ioc.target_escalations (target, level, after_minutes, recipients) "
            "VALUES ($1, $2, $3, $4)",
            [
                (t.code, level, step.after_minutes, list(step.notify))
                for t in catalog.targets
                for level, step in enumerate(t.escalation)
            ],
        )
        await _sync_scope_changes(connection, catalog)
    return {
        "domains": len(catalog.domains),
        "agencies": len(catalog.agencies),
        "indicators": len(catalog.indicators),
        "publish grants": len(grant_rows),
        "recipients": len(catalog.recipients),
        "targets": len(catalog.targets),
        "scope changes": len(catalog.scope_changes),
    }


async def _sync_scope_changes(connection: Connection, catalog: Catalog) -> None:
    """The map's changes, a removed level's retired scopes listed one by one."""
    by_code = {change.code: change for change in catalog.scope_changes}
    levels = {
        change.code: change.level.value if change.level else None for change in by_code.values()
    }
    resolved = resolve_changes(catalog)
    await _replace(
        connection,
        "scope_changes",
        "code",
        ("code", "kind", "effective", "level", "carry_over", "note_vi", "note_en"),
        [
            (
                c.code,
                c.kind.value,
                c.effective,
                levels[c.code],
                c.carry_over.value,
                by_code[c.code].note_vi,
                by_code[c.code].note_en,
            )
            for c in resolved
        ],
    )
    await connection.executemany(
        "INSERT INTO ioc.scope_change_scopes (change, role, scope, position) "
        "VALUES ($1, $2, $3, $4)",
        [
            (change.code, role, scope, position)
            for change in resolved
            for role, scopes in (("retired", change.retired), ("successor", change.successors))
            for position, scope in enumerate(scopes)
        ],
    )


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
