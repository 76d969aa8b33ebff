"""The decide flow's trigger from Kafka: `ioc.series-updated`, read in batches.

The subscriber is declared with the application (what it reads is known before anything
runs); the handler it calls is made in the lifespan, once there is a database, and put
in the broker's context, FastStream's own dependency injection.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, cast

from faststream import AckPolicy, Context
from faststream.kafka import KafkaBroker, Topic
from faststream.kafka.annotations import KafkaMessage

from ioc_alerts.adapters.series_updates import SeriesUpdatesHandler, UpdatesConsumer
from ioc_alerts.config import AlertsSettings

HANDLER = "series_updates_handler"
"""The broker context's key for the handler."""


async def _raw_records(message: Any, original: Callable[[Any], Awaitable[Any]]) -> Any:
    """No decoding by FastStream: the handler reads the raw records."""
    return None


async def on_series_updated(
    message: KafkaMessage,
    updates: SeriesUpdatesHandler = Context(HANDLER),  # noqa: B008 (FastStream's injection)
) -> None:
    raw: Any = message.raw_message
    records = raw if isinstance(raw, tuple) else (raw,)
    await updates.handle(records, cast(UpdatesConsumer, message.consumer))


def subscribe(broker: KafkaBroker, settings: AlertsSettings) -> None:
    broker.subscriber(
        # Never created here (FastStream would make it with one partition); the topics
        # come from `ioc-topics create` or Strimzi with the contract's partitions.
        Topic(settings.alerts_updates_topic, declare=False),
        group_id=settings.alerts_group_id,
        group_instance_id=settings.alerts_group_instance_id,
        batch=True,
        max_records=500,
        batch_timeout_ms=50,
        auto_offset_reset="earliest",
        # Offsets are committed per partition once evaluated; a failed batch is sought
        # back on every partition it holds, after a backoff (adapters/series_updates.py).
        ack_policy=AckPolicy.MANUAL,
        # The handler reads each record itself, tolerating fields added by a newer
        # aggregator; FastStream's decoding would fail the whole batch on one of them.
        decoder=_raw_records,
    )(on_series_updated)


def serve(broker: KafkaBroker, handler: SeriesUpdatesHandler) -> None:
    """Hands the subscriber its handler; before the broker starts."""
    broker.context.set_global(HANDLER, handler)
