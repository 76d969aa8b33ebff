"""The SeriesUpdated outbox in TimescaleDB: written with a batch's rows, forgotten once
Kafka acknowledged the messages, relayed when nobody did (`relay.py`).

Without it, a crash between the database commit and Kafka's acknowledgement would lose
the batch's SeriesUpdated for good: the batch is read again, its rows are duplicates, and
duplicates announce nothing. With it, the messages are part of the transaction. Each is
kept as the text Kafka gets (migration 0018), serialised once.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import asyncpg

from ioc_aggregator.domain.batch import Announcement
from ioc_storage.connection import Connection

_log = logging.getLogger(__name__)

_RECORD = "INSERT INTO ioc.series_updates_outbox (payloads) VALUES ($1::text[]) RETURNING id"
FORGET = "DELETE FROM ioc.series_updates_outbox WHERE id = ANY($1::bigint[])"


async def record_announcements(
    connection: Connection, announcements: Sequence[Announcement]
) -> list[int]:
    """Writes the messages in the caller's transaction, as one row; returns its id."""
    if not announcements:
        return []
    return [await connection.fetchval(_RECORD, [a.payload for a in announcements])]


async def forget_announcements(pool: asyncpg.Pool, ids: Sequence[int]) -> None:
    """Drops messages Kafka acknowledged. A failure only means they are relayed again
    later (at least once), so it is logged, never raised."""
    if not ids:
        return
    try:
        async with pool.acquire() as connection:
            await connection.execute(FORGET, list(ids))
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
        _log.warning(
            "could not clear announced series updates; they will be announced again",
            extra={"error": repr(error), "messages": len(ids)},
        )
