"""The preamble every streaming fault test shares: the aggregator started and ready,
the load generator streaming into the events topic (a share of it through ingest's
HTTP API when asked), and the waits around the fault."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from aiokafka import AIOKafkaProducer

from ioc_testing import ScratchDatabase
from ioc_testing.ledger import HttpPost, LoadGenerator, stored_count
from ioc_testing.pipeline import PipelineTopics, ServiceProcess, wait_for


@dataclass
class FaultStream:
    """A stream in progress; `finish()` stops sending and waits for what was sent."""

    task: asyncio.Task[None]
    stop_sending: asyncio.Event
    producer: AIOKafkaProducer
    database: ScratchDatabase

    async def stored_at_least(self, rows: int, *, within: float = 60.0) -> None:
        """Waits until `rows` observations are stored (the fault then lands mid-stream)."""
        reader = self.database.dsns["reader"]

        async def reached() -> bool:
            return await stored_count(reader) >= rows

        await wait_for(reached, within=within, what=f"{rows} stored rows")

    async def stored_more(self, rows: int, *, within: float = 120.0) -> None:
        """Waits until `rows` more observations are stored than now (the stream moved on)."""
        target = await stored_count(self.database.dsns["reader"]) + rows
        await self.stored_at_least(target, within=within)

    async def finish(self, *, within: float = 60.0) -> None:
        """Stops sending, waits for the sends under way, and flushes the producer."""
        self.stop_sending.set()
        async with asyncio.timeout(within):
            await self.task
            await self.producer.flush()


@dataclass(frozen=True)
class StreamStarter:
    aggregator: ServiceProcess
    database: ScratchDatabase
    topics: PipelineTopics
    producer: AIOKafkaProducer
    load: LoadGenerator

    async def __call__(
        self,
        events: int,
        *,
        chunk: int = 100,
        pause: float = 0.1,
        post: HttpPost | None = None,
        http_every: int = 0,
    ) -> FaultStream:
        """Starts the aggregator, waits until it is ready, then streams up to `events`."""
        self.aggregator.start()
        await asyncio.to_thread(self.aggregator.wait_ready)
        stop_sending = asyncio.Event()
        task = asyncio.create_task(
            self.load.stream(
                self.producer,
                self.topics.events,
                events,
                chunk=chunk,
                pause=pause,
                post=post,
                http_every=http_every,
                until=stop_sending,
            )
        )
        return FaultStream(task, stop_sending, self.producer, self.database)
