"""The FastStream batch subscriber: Kafka records in, handed to the batch pipeline."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Callable
from typing import Any, cast

from aiokafka import AIOKafkaConsumer
from faststream import AckPolicy
from faststream.kafka import KafkaBroker, Topic
from faststream.kafka.annotations import KafkaMessage

from ioc_aggregator.application.usecase import DatabaseUnavailableError
from ioc_aggregator.config import AggregatorSettings
from ioc_aggregator.domain.records import SourceRecord
from ioc_aggregator.inbound.pipeline import BatchPipeline

log = logging.getLogger(__name__)


def source_records(message: KafkaMessage) -> list[SourceRecord]:
    raw: Any = message.raw_message
    # A tuple from aiokafka, a list from FastStream's test broker, one record otherwise.
    records = raw if isinstance(raw, (tuple, list)) else (raw,)
    return list(records)


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
    """FastStream's message, made from the batch's first record only.

    Its batch parser copies every value and reads every header as UTF-8 (a record with
    a binary header would fail the whole batch before our handler sees it); the handler
    reads the raw records, so that per-record work is skipped: the message gets its
    metadata from the first record (binary headers made readable) and the whole batch
    as its raw message."""
    if not records:
        return await original(records)
    message = await original((_text_headers(records[0]),))
    message.raw_message = records
    return message


async def raw_decoder(message: Any, original: Callable[[Any], Awaitable[Any]]) -> Any:
    """The message itself as its body: FastStream would parse JSON itself (content-type
    permitting) and a poison record would drop the batch before the handler could
    dead-letter it. The handler reads the raw records and judges each one.

    Handed over as the body, not through `Context("message")`: FastStream resolves a
    context field by running a synchronous function in a worker thread, a thread hop
    and a task group for every batch."""
    return message


def register_subscriber(
    broker: KafkaBroker, settings: AggregatorSettings, pipeline: BatchPipeline
) -> None:
    @broker.subscriber(
        # Never created here: FastStream would make a missing topic with one partition,
        # against the contract's six; `ioc-topics create` (or Strimzi) makes it.
        Topic(settings.aggregator_source_topic, declare=False),
        group_id=settings.aggregator_group_id,
        group_instance_id=settings.aggregator_group_instance_id,
        heartbeat_interval_ms=settings.aggregator_heartbeat_ms,
        batch=True,
        max_records=settings.aggregator_max_batch,
        batch_timeout_ms=settings.aggregator_batch_timeout_ms,
        # Offsets are ours to commit, after the database transaction.
        ack_policy=AckPolicy.MANUAL,
        parser=tolerant_parser,
        decoder=raw_decoder,
        auto_offset_reset="earliest",
        isolation_level="read_committed",
        # Batches in flight are finished before a rebalance moves their partitions.
        listener=pipeline.rebalance_listener(),
    )
    async def on_indicator_events(message: Any) -> None:
        records = source_records(message)
        consumer = cast(AIOKafkaConsumer, message.consumer)
        try:
            await pipeline.submit(records, consumer)
        except DatabaseUnavailableError as error:
            log.warning(
                "batch handed back to Kafka until the database returns",
                extra={"records": len(records), "error": str(error)},
            )
