"""SeriesUpdated read back by the latency benchmark: the CreateTime of the first one that
lists an event bounds "row committed" from above."""

from __future__ import annotations

import asyncio
import contextlib
import json

from aiokafka import AIOKafkaConsumer

from benchmarks.measure import partitions_of


class AnnouncementCollector:
    """Reads SeriesUpdated: its CreateTime is set by the aggregator after the database
    commit, so it bounds 'row committed' from above for every event id it lists."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        self.bootstrap = bootstrap
        self.consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
        self.topic = topic
        self._announced: dict[str, float] = {}
        # Read while the generator sends, parsed only when asked (after it is done): the
        # harness would otherwise parse every event id on the cores being measured.
        self._unread: list[tuple[int, bytes | None]] = []
        self._task: asyncio.Task[None] | None = None

    @property
    def announced(self) -> dict[str, float]:
        """Event id → CreateTime (s) of the first SeriesUpdated that listed it."""
        unread, self._unread = self._unread, []
        for timestamp, value in unread:
            created = timestamp / 1000
            for event_id in json.loads(value or b"{}").get("event_ids", ()):
                self._announced.setdefault(event_id, created)
        return self._announced

    async def start(self) -> None:
        partitions = await partitions_of(self.bootstrap, self.topic)
        await self.consumer.start()
        self.consumer.assign(partitions)
        await self.consumer.seek_to_beginning(*partitions)
        self._task = asyncio.create_task(self._collect())

    async def _collect(self) -> None:
        while True:
            batches = await self.consumer.getmany(timeout_ms=200)
            for records in batches.values():
                self._unread.extend((record.timestamp, record.value) for record in records)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        # aiokafka's stop() may raise CancelledError from its own routines.
        with contextlib.suppress(asyncio.CancelledError):
            await self.consumer.stop()
