"""Publishes the SeriesUpdated outbox's leftovers: messages whose writer died (or whose
batch was handed back) before Kafka acknowledged them. Every replica runs one; row locks
(`FOR UPDATE SKIP LOCKED`) keep two from taking the same message."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Sequence

import asyncpg

from ioc_aggregator.domain.batch import Announcement
from ioc_aggregator.outbound.announcements import FORGET

_log = logging.getLogger(__name__)

# Old enough that the replica that wrote it has had its chance.
_UNANNOUNCED = """
SELECT id, payloads FROM ioc.series_updates_outbox
WHERE created_at < now() - make_interval(secs => $1)
ORDER BY id
LIMIT $2
FOR UPDATE SKIP LOCKED
"""

Publish = Callable[[Sequence[Announcement]], Awaitable[Awaitable[None]]]


def _announcement(payload: str) -> Announcement:
    # Only the key is read back; the bytes go out exactly as they were stored.
    message = json.loads(payload)
    return Announcement(message["indicator"], message["scope"], payload)


class AnnouncementRelay:
    """Publishes the outbox's leftovers every `every` seconds."""

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
            updates = [_announcement(payload) for row in rows for payload in row["payloads"]]
            await (await self._publish(updates))
            await connection.execute(FORGET, [row["id"] for row in rows])
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
