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

from ioc_contracts import SeriesUpdated

_log = logging.getLogger(__name__)

_RECORD = """
INSERT INTO ioc.series_updates_outbox (indicator, scope, message)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[])
RETURNING id
"""
_FORGET = "DELETE FROM ioc.series_updates_outbox WHERE id = ANY($1::bigint[])"
# Old enough that the replica that wrote it has had its chance; locked, so two relays
# never take the same message.
_UNANNOUNCED = """
SELECT id, message FROM ioc.series_updates_outbox
WHERE created_at < now() - make_interval(secs => $1)
ORDER BY id
LIMIT $2
FOR UPDATE SKIP LOCKED
"""


async def record_announcements(
    connection: asyncpg.Connection, updates: Sequence[SeriesUpdated]
) -> list[int]:
    """Writes `updates` in the caller's transaction; returns their outbox ids."""
    if not updates:
        return []
    rows = await connection.fetch(
        _RECORD,
        [u.indicator for u in updates],
        [u.scope for u in updates],
        [u.model_dump_json() for u in updates],
    )
    return [row["id"] for row in rows]


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
            updates = [SeriesUpdated.model_validate_json(row["message"]) for row in rows]
            await (await self._publish(updates))
            await connection.execute(_FORGET, [row["id"] for row in rows])
        self._on_relayed(len(rows))
        _log.info("relayed series updates left unannounced", extra={"messages": len(rows)})
        return len(rows)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._every)
            try:
                while await self.relay_once() == self._batch:
                    pass
            except Exception as error:  # the next round tries again
                _log.warning("could not relay series updates", extra={"error": repr(error)})
