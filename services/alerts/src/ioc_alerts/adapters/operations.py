"""What the acknowledgement pages read: an alert and its target's title.

Listing and acknowledging alerts are in `operator_alerts`, silences in `silences`.
"""

from __future__ import annotations

import uuid

import asyncpg


async def target_title(connection: asyncpg.Connection, target: str) -> str:
    title: str | None = await connection.fetchval(
        "SELECT title_vi FROM ioc.targets WHERE code = $1", target
    )
    return title or target


async def find_alert(connection: asyncpg.Connection, alert_id: uuid.UUID) -> asyncpg.Record | None:
    row: asyncpg.Record | None = await connection.fetchrow(
        "SELECT * FROM ioc.alerts WHERE id = $1", alert_id
    )
    return row
