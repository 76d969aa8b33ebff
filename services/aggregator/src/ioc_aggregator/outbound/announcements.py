"""The SeriesUpdated outbox in TimescaleDB: written with a batch's rows, forgotten once
Kafka acknowledged the messages, relayed when nobody did (`relay.py`).

Forgetting rides in the next batch's transaction (`Acknowledged`): a DELETE of its own
would be one more pool acquire and one more commit, with its WAL flush, per batch. When
no batch comes, a timer forgets them on its own. Rows not yet forgotten when a replica
dies are announced again by the relay; SeriesUpdated is at least once already.

Without it, a crash between the database commit and Kafka's acknowledgement would lose
the batch's SeriesUpdated for good: the batch is read again, its rows are duplicates, and
duplicates announce nothing. With it, the messages are part of the transaction. Each is
kept as the text Kafka gets (migration 0018), serialised once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence

import asyncpg

from ioc_aggregator.domain.batch import Announcement
from ioc_storage.connection import Connection

_log = logging.getLogger(__name__)

FORGET = "DELETE FROM ioc.series_updates_outbox WHERE id = ANY($1::bigint[])"


# The batch's messages in (as one row, unless there are none) and the messages Kafka
# acknowledged out, in one statement: one round trip fewer in every batch's
# transaction. Rows a relay holds are skipped, never waited for: that relay is
# announcing them again and deletes them itself, and a batch must not stall behind its
# Kafka round trip.
_RECORD_AND_FORGET = """
WITH forgotten AS (
    DELETE FROM ioc.series_updates_outbox WHERE id IN (
        SELECT id FROM ioc.series_updates_outbox WHERE id = ANY($2::bigint[])
        FOR UPDATE SKIP LOCKED
    )
)
INSERT INTO ioc.series_updates_outbox (payloads)
SELECT $1::text[] WHERE cardinality($1::text[]) > 0
RETURNING id
"""


async def record_announcements(
    connection: Connection, announcements: Sequence[Announcement], *, forget: Sequence[int] = ()
) -> list[int]:
    """Writes the messages in the caller's transaction, as one row, and drops the
    messages `forget` that Kafka acknowledged; returns the new row's id, if any."""
    if not announcements and not forget:
        return []
    payloads = [a.payload for a in announcements]
    return [row["id"] for row in await connection.fetch(_RECORD_AND_FORGET, payloads, forget)]


async def forget_in_transaction(connection: Connection, ids: Sequence[int]) -> None:
    """Drops messages Kafka acknowledged, in the caller's transaction."""
    await record_announcements(connection, (), forget=ids)


async def forget_announcements(pool: asyncpg.Pool, ids: Sequence[int]) -> None:
    """Drops messages Kafka acknowledged. A failure only means they are relayed again
    later (at least once), so it is logged, never raised."""
    if not ids:
        return
    try:
        async with pool.acquire() as connection:
            await forget_in_transaction(connection, ids)
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
        _log.warning(
            "could not clear announced series updates; they will be announced again",
            extra={"error": repr(error), "messages": len(ids)},
        )


class Acknowledged:
    """Outbox rows Kafka acknowledged, waiting to be forgotten by the next transaction
    (`take`) or, when none comes within `linger` seconds, on their own."""

    def __init__(self, pool: asyncpg.Pool, *, linger: float = 1.0) -> None:
        self._pool = pool
        self._linger = linger
        self._ids: list[int] = []
        self._task: asyncio.Task[None] | None = None

    def add(self, ids: Sequence[int]) -> None:
        self._ids.extend(ids)

    def take(self) -> list[int]:
        """The ids for a transaction to forget; `give_back` if it does not commit."""
        ids, self._ids = self._ids, []
        return ids

    def give_back(self, ids: Sequence[int]) -> None:
        self._ids[:0] = ids

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="outbox-forgetting")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.forget()

    async def forget(self) -> None:
        """Forgets what is waiting, in a statement of its own."""
        await forget_announcements(self._pool, self.take())

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._linger)
            await self.forget()
