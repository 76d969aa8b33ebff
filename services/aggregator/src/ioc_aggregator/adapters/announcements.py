"""The SeriesUpdated outbox in TimescaleDB: written with a batch's rows, forgotten once
Kafka acknowledged the messages, relayed when nobody did.

Without it, a crash between the database commit and Kafka's acknowledgement would lose
the batch's SeriesUpdated for good: the batch is read again, its rows are duplicates, and
duplicates announce nothing. With it, the messages are part of the transaction.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence

import asyncpg
from pydantic import TypeAdapter

from ioc_contracts import SeriesUpdated
from ioc_storage.connection import Connection

_log = logging.getLogger(__name__)
_SERIES_UPDATES = TypeAdapter(list[SeriesUpdated])

_RECORD = "INSERT INTO ioc.series_updates_outbox (messages) VALUES ($1::text::jsonb) RETURNING id"
_FORGET = "DELETE FROM ioc.series_updates_outbox WHERE id = ANY($1::bigint[])"
# Old enough that the replica that wrote it has had its chance; locked, so two relays
# never take the same message.
_UNANNOUNCED = """
SELECT id, messages::text AS messages FROM ioc.series_updates_outbox
WHERE created_at < now() - make_interval(secs => $1)
ORDER BY id
LIMIT $2
FOR UPDATE SKIP LOCKED
"""


async def record_announcements(
    connection: Connection, updates: Sequence[SeriesUpdated]
) -> list[int]:
    """Writes `updates` in the caller's transaction, as one row; returns its outbox id."""
    if not updates:
        return []
    messages = "[" + ",".join(u.model_dump_json() for u in updates) + "]"
    return [await connection.fetchval(_RECORD, messages)]


async def forget_announcements(pool: asyncpg.Pool, ids: Sequence[int]) -> None:
    """Drops messages Kafka acknowledged. A failure only means they are relayed again
    later (at least once), so it is logged, never raised."""
    if not ids:
        return
    try:
        async with pool.acquire() as connection:
            await connection.execute(_FORGET, list(ids))
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
        _log.warning(
            "could not clear announced series updates; they will be announced again",
            extra={"error": repr(error), "messages": len(ids)},
        )


Publish = Callable[[Sequence[SeriesUpdated]], Awaitable[Awaitable[None]]]


class AnnouncementRelay:
    """Publishes the outbox's leftovers every `every` seconds, in every replica."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        publish: Publish,
        *,
        every: float,
        older_than: float,
        on_relayed: Callable[[int], None],
        batch: int = 500,
    ) -> None:
        self._pool = pool
        self._publish = publish
        self._every = every
        self._older_than = older_than
        self._on_relayed = on_relayed
        self._batch = batch
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="series-updates-relay")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def relay_once(self) -> int:
        """Publishes one batch of leftovers and forgets them once acknowledged."""
        async with self._pool.acquire() as connection, connection.transaction():
            rows = await connection.fetch(_UNANNOUNCED, self._older_than, self._batch)
            if not rows:
                return 0
            updates = [
                update for row in rows for update in _SERIES_UPDATES.validate_json(row["messages"])
            ]
            await (await self._publish(updates))
            await connection.execute(_FORGET, [row["id"] for row in rows])
        self._on_relayed(len(updates))
        _log.info("relayed series updates left unannounced", extra={"messages": len(updates)})
        return len(rows)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._every)
            try:
                while await self.relay_once() == self._batch:
                    pass
            except Exception as error:  # the next round tries again
                _log.warning("could not relay series updates", extra={"error": repr(error)})
