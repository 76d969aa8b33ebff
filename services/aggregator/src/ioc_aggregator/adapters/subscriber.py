"""The FastStream batch subscriber: Kafka records in, explicit per-partition commits out."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, cast

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import CommitFailedError, IllegalStateError
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage

from ioc_aggregator.config import AggregatorSettings
from ioc_aggregator.domain.batch import earliest_offsets
from ioc_aggregator.domain.records import Position, SourceRecord
from ioc_aggregator.metrics import AggregatorMetrics
from ioc_aggregator.usecase import BatchProcessor, DatabaseUnavailableError

log = logging.getLogger(__name__)


def source_records(message: KafkaMessage) -> list[SourceRecord]:
    raw: Any = message.raw_message
    records = raw if isinstance(raw, tuple) else (raw,)
    return [SourceRecord(Position(r.topic, r.partition, r.offset), r.key, r.value) for r in records]


def rewind(message: KafkaMessage, records: list[SourceRecord]) -> None:
    """Seeks each partition back to the batch's first record, so it is read again."""
    for (topic, partition), offset in earliest_offsets(r.position for r in records).items():
        message.consumer.seek(TopicPartition(topic, partition), offset)


def register_subscriber(
    broker: KafkaBroker,
    settings: AggregatorSettings,
    processor: Callable[[], BatchProcessor],
    metrics: AggregatorMetrics,
) -> None:
    @broker.subscriber(
        settings.aggregator_source_topic,
        group_id=settings.aggregator_group_id,
        batch=True,
        max_records=settings.aggregator_max_batch,
        batch_timeout_ms=settings.aggregator_batch_timeout_ms,
        # Offsets are ours to commit, after the database transaction.
        ack_policy=AckPolicy.MANUAL,
        auto_offset_reset="earliest",
        isolation_level="read_committed",
    )
    async def on_indicator_events(message: KafkaMessage) -> None:
        records = source_records(message)
        try:
            offsets = await processor().process(records)
        except DatabaseUnavailableError as error:
            rewind(message, records)
            log.warning(
                "batch handed back to Kafka until the database returns",
                extra={"records": len(records), "error": str(error)},
            )
            return
        except BaseException:
            # Whatever went wrong, nothing past this batch may be committed.
            rewind(message, records)
            raise
        commit = {TopicPartition(t, p): offset for (t, p), offset in offsets.items()}
        consumer = cast(AIOKafkaConsumer, message.consumer)
        try:
            await consumer.commit(commit)
        except (CommitFailedError, IllegalStateError) as error:
            # A rebalance took the partition away; its new owner re-reads the batch
            # and the idempotency key absorbs what was already stored.
            log.warning("offset commit refused", extra={"error": str(error)})
            return
        for partition, offset in commit.items():
            highwater = consumer.highwater(partition)
            if highwater is not None:
                metrics.lag.labels(partition.topic, str(partition.partition)).set(
                    max(0, highwater - offset)
                )
