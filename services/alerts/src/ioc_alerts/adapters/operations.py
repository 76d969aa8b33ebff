"""What the HTTP routes read and write: alert listings, titles, silences."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import asyncpg

from ioc_storage.connection import Connection


class UnknownSubjectError(Exception):
    """A silence names a target or indicator the catalog does not have."""


def alert_json(row: asyncpg.Record) -> dict[str, Any]:
    """An alert row as the API shows it."""
    return {
        key: (str(value) if isinstance(value, uuid.UUID) else value) for key, value in row.items()
    }


async def target_title(connection: Connection, target: str) -> str:
    title: str | None = await connection.fetchval(
        "SELECT title_vi FROM ioc.targets WHERE code = $1", target
    )
    return title or target


async def find_alert(connection: Connection, alert_id: uuid.UUID) -> asyncpg.Record | None:
    row: asyncpg.Record | None = await connection.fetchrow(
        "SELECT * FROM ioc.alerts WHERE id = $1", alert_id
    )
    return row


async def open_alerts(connection: Connection) -> list[dict[str, Any]]:
    rows = await connection.fetch(
        "SELECT * FROM ioc.alerts WHERE state <> 'resolved' ORDER BY opened_at"
    )
    return [alert_json(row) for row in rows]


async def create_silence(
    connection: Connection,
    *,
    target: str | None,
    indicator: str | None,
    scope: str | None,
    starts_at: datetime,
    ends_at: datetime,
    created_by: str,
    comment: str,
) -> uuid.UUID:
    silence_id = uuid.uuid4()
    try:
        await _insert_silence(
            connection,
            silence_id,
            target,
            indicator,
            scope,
            starts_at,
            ends_at,
            created_by,
            comment,
        )
    except asyncpg.ForeignKeyViolationError as error:
        raise UnknownSubjectError("no such target or indicator in the catalog") from error
    return silence_id


async def _insert_silence(connection: Connection, *values: object) -> None:
    await connection.execute(
        "INSERT INTO ioc.silences (id, target, indicator, scope, starts_at, ends_at, "
        "created_by, comment) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        *values,
    )
