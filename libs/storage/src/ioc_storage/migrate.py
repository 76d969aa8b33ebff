"""Ordered, recorded, re-runnable schema migrations.

Each file `NNNN_name.sql` runs once, in its own transaction, and is recorded with
its checksum; editing a migration that already ran is an error, not a silent skip.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import asyncpg

from ioc_storage.connection import Connection

_FILE_NAME = re.compile(r"^(?P<version>\d{4})_(?P<name>[a-z0-9_]+)\.sql$")
# Any constant works; it only has to be the same for every migrating process.
_ADVISORY_LOCK_KEY = 0x10C_0001

LEDGER_DDL = """
CREATE SCHEMA IF NOT EXISTS ioc_meta;
CREATE TABLE IF NOT EXISTS ioc_meta.schema_migrations (
    version     integer PRIMARY KEY,
    name        text NOT NULL,
    checksum    text NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now()
);
"""


class MigrationError(RuntimeError):
    """A migration cannot be applied, or the ledger disagrees with the files."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def shipped_migrations() -> list[Migration]:
    folder = resources.files("ioc_storage") / "migrations"
    return read_migrations(Path(str(folder)))


def read_migrations(folder: Path) -> list[Migration]:
    migrations: list[Migration] = []
    for path in sorted(folder.iterdir()):
        if path.suffix != ".sql":
            continue
        match = _FILE_NAME.match(path.name)
        if match is None:
            raise MigrationError(f"{path.name}: migration files are named NNNN_name.sql")
        migrations.append(
            Migration(int(match["version"]), match["name"], path.read_text(encoding="utf-8"))
        )
    versions = [m.version for m in migrations]
    if len(set(versions)) != len(versions):
        raise MigrationError(f"{folder}: two migrations share a version number")
    return migrations


async def apply_migrations(
    connection: Connection,
    migrations: list[Migration],
    *,
    on_applied: Callable[[Migration], None] | None = None,
) -> list[Migration]:
    """Applies the pending migrations; returns those it applied."""
    await connection.execute("SELECT pg_advisory_lock($1)", _ADVISORY_LOCK_KEY)
    try:
        await connection.execute(LEDGER_DDL)
        recorded = {
            row["version"]: row["checksum"]
            for row in await connection.fetch(
                "SELECT version, checksum FROM ioc_meta.schema_migrations"
            )
        }
        applied: list[Migration] = []
        for migration in migrations:
            if migration.version in recorded:
                if recorded[migration.version] != migration.checksum:
                    raise MigrationError(
                        f"migration {migration.version:04d}_{migration.name} changed after it "
                        "was applied; add a new migration instead of editing this one"
                    )
                continue
            async with connection.transaction():
                try:
                    await connection.execute(migration.sql)
                except asyncpg.PostgresError as error:
                    raise MigrationError(
                        f"migration {migration.version:04d}_{migration.name} failed: {error}"
                    ) from error
                await connection.execute(
                    "INSERT INTO ioc_meta.schema_migrations (version, name, checksum) "
                    "VALUES ($1, $2, $3)",
                    migration.version,
                    migration.name,
                    migration.checksum,
                )
            applied.append(migration)
            if on_applied is not None:
                on_applied(migration)
        return applied
    finally:
        await connection.execute("SELECT pg_advisory_unlock($1)", _ADVISORY_LOCK_KEY)


async def applied_versions(connection: Connection) -> list[int]:
    exists = await connection.fetchval("SELECT to_regclass('ioc_meta.schema_migrations')")
    if exists is None:
        return []
    rows = await connection.fetch("SELECT version FROM ioc_meta.schema_migrations ORDER BY 1")
    return [row["version"] for row in rows]
