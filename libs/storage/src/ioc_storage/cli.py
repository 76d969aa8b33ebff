"""`ioc-db`: bootstrap, migrate, load the catalog and manage agency API keys."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

import asyncpg

from ioc_catalog.errors import CatalogError
from ioc_runtime import load_settings
from ioc_storage.audit import AuditAction, AuditRecord, cli_actor, record_audit
from ioc_storage.bootstrap import bootstrap
from ioc_storage.catalog_sync import CatalogSyncError, load_and_sync
from ioc_storage.cli_operators import add_operator_commands, run_operator_command
from ioc_storage.connection import Connection
from ioc_storage.credentials import (
    ApiKeyInfo,
    CredentialError,
    create_api_key,
    list_api_keys,
    revoke_api_key,
)
from ioc_storage.migrate import MigrationError, apply_migrations, shipped_migrations
from ioc_storage.operators import OperatorError
from ioc_storage.settings import BootstrapSettings, DatabaseSettings


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


async def _bootstrap() -> int:
    settings = load_settings(BootstrapSettings, "ioc-db")
    version = await bootstrap(
        settings.db_superuser_url.get_secret_value(), settings.role_passwords()
    )
    _progress(f"database 'ioc' ready with TimescaleDB {version}; roles up to date")
    return 0


async def _migrate() -> int:
    settings = load_settings(DatabaseSettings, "ioc-db")
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
    settings = load_settings(DatabaseSettings, "ioc-db")
    counts = await load_and_sync(
        settings.database_url.get_secret_value(), directory, actor=cli_actor()
    )
    _progress("catalog loaded: " + ", ".join(f"{n} {what}" for what, n in counts.items()))
    return 0


async def _connect_as_migrator() -> Connection:
    settings = load_settings(DatabaseSettings, "ioc-db")
    return await asyncpg.connect(settings.database_url.get_secret_value())


async def _create_api_key(agency: str, comment: str | None) -> int:
    connection = await _connect_as_migrator()
    try:
        async with connection.transaction():
            issued = await create_api_key(connection, agency=agency, comment=comment)
            await record_audit(
                connection,
                AuditRecord(
                    actor=cli_actor(),
                    action=AuditAction.API_KEY_CREATE,
                    subject=issued.key_prefix,
                    detail={"agency": agency, "comment": comment},
                ),
            )
    finally:
        await connection.close()
    # The key alone on stdout, so `KEY=$(ioc-db api-key create ...)` captures just it.
    print(issued.key, flush=True)
    _progress(
        f"created API key {issued.key_prefix} for agency {issued.agency!r} (id {issued.id}). "
        "It is shown only this once: hand it to the agency over a secure channel."
    )
    return 0


async def _revoke_api_key(prefix: str) -> int:
    connection = await _connect_as_migrator()
    try:
        async with connection.transaction():
            revoked = await revoke_api_key(connection, prefix=prefix)
            for key in revoked:
                await record_audit(
                    connection,
                    AuditRecord(
                        actor=cli_actor(),
                        action=AuditAction.API_KEY_REVOKE,
                        subject=key.key_prefix,
                        detail={"agency": key.agency},
                    ),
                )
    finally:
        await connection.close()
    if not revoked:
        _progress(f"ioc-db: no active API key has the prefix {prefix!r}")
        return 1
    for key in revoked:
        _progress(f"revoked API key {key.key_prefix} of agency {key.agency!r} (id {key.id})")
    _progress("ingest stops accepting it once its credential cache expires (30 s by default)")
    return 0


def _describe_key(key: ApiKeyInfo) -> str:
    state = "active" if key.active else f"revoked {key.revoked_at:%Y-%m-%d %H:%M:%S%z}"
    return "\t".join(
        (
            key.key_prefix,
            key.agency,
            f"{key.created_at:%Y-%m-%d %H:%M:%S%z}",
            state,
            key.comment or "",
        )
    )


async def _list_api_keys(agency: str | None) -> int:
    connection = await _connect_as_migrator()
    try:
        keys = await list_api_keys(connection, agency=agency)
    finally:
        await connection.close()
    print("prefix\tagency\tcreated\tstate\tcomment")
    for key in keys:
        print(_describe_key(key))
    return 0


def _add_api_key_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    api_key = commands.add_parser(
        "api-key", help="issue, revoke and list the agencies' API keys for ingest"
    )
    actions = api_key.add_subparsers(dest="action", required=True)
    create = actions.add_parser(
        "create",
        help="issue a new key for an agency and print it once; its older keys stay valid "
        "until revoked, so keys can be rotated without downtime",
    )
    create.add_argument(
        "--agency", required=True, help="agency code from the catalog, e.g. so-tttt"
    )
    create.add_argument("--comment", help="who the key is for, e.g. 'portal integration 2024'")
    revoke = actions.add_parser("revoke", help="revoke the active key with this prefix")
    revoke.add_argument("--prefix", required=True, help="the 8 characters after 'ioc_'")
    listing = actions.add_parser("list", help="list keys (never the secrets)")
    listing.add_argument("--agency", help="only this agency's keys")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ioc-db",
        description="Prepare the IOC monitor database. Connection settings come from the "
        "environment: IOC_DATABASE_URL (the migration role) and, for bootstrap, "
        "IOC_DB_SUPERUSER_URL and IOC_DB_PASSWORD_{MIGRATOR,WRITER,INGEST,ALERTS,READER}. "
        "api-key, operator and operator-token also run as the migration role: the services "
        "may only read the hashes. Changes are recorded in the audit log under the system "
        "user running the command.",
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
    _add_api_key_commands(commands)
    add_operator_commands(commands)
    return parser


def _run(arguments: argparse.Namespace) -> int:
    if arguments.command == "bootstrap":
        return asyncio.run(_bootstrap())
    if arguments.command == "migrate":
        return asyncio.run(_migrate())
    if arguments.command == "api-key":
        if arguments.action == "create":
            return asyncio.run(_create_api_key(arguments.agency, arguments.comment))
        if arguments.action == "revoke":
            return asyncio.run(_revoke_api_key(arguments.prefix))
        return asyncio.run(_list_api_keys(arguments.agency))
    if arguments.command in ("operator", "operator-token"):
        return asyncio.run(run_operator_command(arguments))
    return asyncio.run(_load_catalog(arguments.dir))


def main(argv: Sequence[str] | None = None) -> int:
    arguments = build_parser().parse_args(argv)
    try:
        return _run(arguments)
    except CatalogError as error:
        _progress(f"ioc-db: the catalog is not valid, nothing was loaded\n{error}")
        return 1
    except (MigrationError, CatalogSyncError, CredentialError, OperatorError) as error:
        _progress(f"ioc-db: {error}")
        return 1
    except (OSError, asyncpg.PostgresError) as error:
        _progress(f"ioc-db: cannot work with the database: {error}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
