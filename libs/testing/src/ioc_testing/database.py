"""What connected tests ask of a test's own database, as the role that would do it."""

from __future__ import annotations

from typing import Any

import asyncpg

from ioc_storage.credentials import create_api_key
from ioc_storage.operators import Role, create_operator, issue_operator_token
from ioc_testing.infrastructure import ScratchDatabase


async def issue_api_key(database: ScratchDatabase, agency: str, *, comment: str) -> str:
    """An agency's API key, issued as `ioc-db api-key` would (as the migrator)."""
    connection = await asyncpg.connect(database.dsns["migrator"])
    try:
        return (await create_api_key(connection, agency=agency, comment=comment)).key
    finally:
        await connection.close()


async def operator_with_token(
    database: ScratchDatabase, name: str, *, role: Role, display_name: str | None = None
) -> str:
    """A new operator account and its personal token, as `ioc-db operator create` and
    `ioc-db operator-token create` would make them (as the migrator)."""
    connection = await asyncpg.connect(database.dsns["migrator"])
    try:
        await create_operator(connection, name=name, display_name=display_name or name, role=role)
        return (await issue_operator_token(connection, operator=name)).token
    finally:
        await connection.close()


async def read_rows(database: ScratchDatabase, query: str, *args: Any) -> list[asyncpg.Record]:
    """Rows of `query`, read as the read-only role Grafana uses."""
    connection = await asyncpg.connect(database.dsns["reader"])
    try:
        return list(await connection.fetch(query, *args))
    finally:
        await connection.close()
