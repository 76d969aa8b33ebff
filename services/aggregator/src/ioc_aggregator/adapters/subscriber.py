"""The FastStream batch subscriber: Kafka records in, explicit per-partition commits out."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Callable
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


def _text_headers(record: Any) -> Any:
    """The record, with header values FastStream can read as UTF-8 text."""
    headers = record.headers or ()
    if all(isinstance(v, bytes) and _is_utf8(v) for _, v in headers):
        return record
    safe = [(k, (v or b"").decode("utf-8", "replace").encode()) for k, v in headers]
    return dataclasses.replace(record, headers=safe)


def _is_utf8(value: bytes) -> bool:
    try:
        value.decode()
    except UnicodeDecodeError:
        return False
    return True


async def tolerant_parser(records: Any, original: Callable[[Any], Awaitable[Any]]) -> Any:
    """FastStream's batch parser reads every header as UTF-8; a record with a binary
    header would fail the whole batch before our handler sees it."""
    return await original(tuple(_text_headers(record) for record in records))


async def raw_decoder(message: Any, original: Callable[[Any], Awaitable[Any]]) -> Any:
    """No decoding: FastStream would parse JSON itself (content-type permitting) and a
    poison record would drop the batch before the handler could dead-letter it. The
    handler reads the raw records and judges each one."""
    return None


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
        parser=tolerant_parser,
        decoder=raw_decoder,
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
