"""The derived service's trigger from Kafka: `ioc.series-updated`, read in batches.

The subscriber is declared with the application (what it reads is known before anything
runs); the handler it calls is made in the lifespan, once there is a database, and put
in the broker's context, FastStream's own dependency injection.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence

import asyncpg
from faststream import AckPolicy, Context
from faststream.kafka import KafkaBroker, Topic

from ioc_contracts import SeriesUpdated
from ioc_derived.config import DerivedSettings
from ioc_runtime.backoff import Backoff

log = logging.getLogger(__name__)

HANDLER = "series_updates_handler"
"""The broker context's key for the handler."""

Derive = Callable[[Sequence[SeriesUpdated]], Awaitable[None]]
Sleep = Callable[[float], Awaitable[None]]

_RETRYABLE = (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError)


class SeriesUpdatesHandler:
    """Hands each batch to the deriver; a batch that failed is read again after a pause
    that grows while failures last, so a database that is down is not hammered."""

    def __init__(self, derive: Derive, backoff: Backoff, sleep: Sleep = asyncio.sleep) -> None:
        self._derive = derive
        self._backoff = backoff
        self._sleep = sleep

    async def handle(self, updates: Sequence[SeriesUpdated]) -> None:
        try:
            await self._derive(updates)
        except _RETRYABLE as error:
            delay = self._backoff.next_delay()
            log.warning("recomputation failed, reading the batch again in %.1f s: %s", delay, error)
            await self._sleep(delay)
            raise
        self._backoff.succeeded()


async def on_series_updated(
    updates: list[SeriesUpdated],
    handler: SeriesUpdatesHandler = Context(HANDLER),  # noqa: B008 (FastStream's injection)
) -> None:
    """Recomputes the derived figures that read the updated series, and checks published
    figures a formula computes against their inputs."""
    await handler.handle(updates)


def subscribe(broker: KafkaBroker, settings: DerivedSettings) -> None:
    topic = settings.derived_updates_topic
    broker.subscriber(
        # Never created here (FastStream would make it with one partition).
        Topic(topic, declare=False),
        title=f"{topic}:derived",
        group_id=settings.derived_group_id,
        batch=True,
        max_records=200,
        batch_timeout_ms=50,
        auto_offset_reset="earliest",
        # Offsets are committed after the batch was handled; a failure reads it again,
        # which is safe (deterministic ids, idempotent lineage, duplicates absorbed).
        ack_policy=AckPolicy.NACK_ON_ERROR,
    )(on_series_updated)


def serve(broker: KafkaBroker, handler: SeriesUpdatesHandler) -> None:
    """Hands the subscriber its handler; before the broker starts."""
    broker.context.set_global(HANDLER, handler)
