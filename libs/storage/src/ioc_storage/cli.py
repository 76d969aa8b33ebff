"""`ioc-db`: bootstrap, migrate and load the catalog into the IOC database."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

import asyncpg
from pydantic import ValidationError

from ioc_catalog.errors import CatalogError
from ioc_storage.bootstrap import bootstrap
from ioc_storage.catalog_sync import CatalogSyncError, load_and_sync
from ioc_storage.migrate import MigrationError, apply_migrations, shipped_migrations
from ioc_storage.settings import BootstrapSettings, DatabaseSettings


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


async def _bootstrap() -> int:
    settings = BootstrapSettings()
    version = await bootstrap(
        settings.db_superuser_url.get_secret_value(), settings.role_passwords()
    )
    _progress(f"database 'ioc' ready with TimescaleDB {version}; roles up to date")
    return 0


async def _migrate() -> int:
    settings = DatabaseSettings()
    connection = await asyncpg.connect(settings.database_url.get_secret_value())
    try:
        migrations = shipped_migrations()
        applied = await apply_migrations(
            connection,
            migrations,
            on_applied=lambda m: _progress(f"applied {m.version:04d}_{m.name}"),
        )
    finally:
        await connection.close()
    _progress(
        f"schema up to date: {len(applied)} applied, {len(migrations) - len(applied)} already"
    )
    return 0


async def _load_catalog(directory: str | None) -> int:
    settings = DatabaseSettings()
    counts = await load_and_sync(settings.database_url.get_secret_value(), directory)
    _progress("catalog loaded: " + ", ".join(f"{n} {what}" for what, n in counts.items()))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ioc-db",
        description="Prepare the IOC monitor database. Connection settings come from the "
        "environment: IOC_DATABASE_URL (the migration role) and, for bootstrap, "
        "IOC_DB_SUPERUSER_URL and IOC_DB_PASSWORD_{MIGRATOR,WRITER,INGEST,ALERTS,READER}.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser(
        "bootstrap", help="create the database, roles and the TimescaleDB extension"
    )
    commands.add_parser("migrate", help="apply pending schema migrations")
    load = commands.add_parser(
        "load-catalog", help="validate the catalog and sync it into the database"
    )
    load.add_argument("--dir", help="catalog folder (default: the shipped Bình Dương catalog)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = build_parser().parse_args(argv)
    try:
        if arguments.command == "bootstrap":
            return asyncio.run(_bootstrap())
        if arguments.command == "migrate":
            return asyncio.run(_migrate())
        return asyncio.run(_load_catalog(arguments.dir))
    except ValidationError as error:
        missing = ", ".join(f"IOC_{'_'.join(map(str, e['loc'])).upper()}" for e in error.errors())
        _progress(f"ioc-db: missing or invalid settings: {missing}")
        return 2
    except CatalogError as error:
        _progress(f"ioc-db: the catalog is not valid, nothing was loaded\n{error}")
        return 1
    except (MigrationError, CatalogSyncError) as error:
        _progress(f"ioc-db: {error}")
        return 1
    except (OSError, asyncpg.PostgresError) as error:
        _progress(f"ioc-db: cannot work with the database: {error}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
