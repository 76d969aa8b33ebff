"""The Publisher port on Kafka: dead letters and SeriesUpdated handed to the producer;
what it returns completes on the acknowledgements.

A dead letter is a bounded copy of the refused record (see `bounded_copy`), so its size
never makes it fail. Should Kafka still refuse one (a misconfigured topic, an ACL), it
is sent again a bounded number of times, then held in the database's quarantine so the
partition moves on; only if that fails too is the batch handed back.

SeriesUpdated go out through a plain aiokafka producer of their own (the project's safe
settings): a batch announces a few hundred series, and FastStream's publish path
(command object, codec, a correlation id per message) cost more CPU than the send itself,
and so did aiokafka's own `send()` per record: they leave as one record batch per
partition (`ioc_messaging.keyed_batches`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from aiokafka import AIOKafkaProducer
from faststream.kafka import KafkaBroker
from prometheus_client import Counter

from ioc_aggregator.domain.batch import Announcement
from ioc_aggregator.domain.records import Refused, position_of
from ioc_contracts.dead_letter import BoundedCopy, bounded_copy, dead_letter_headers
from ioc_contracts.topics import series_key_bytes
from ioc_messaging.acknowledgements import all_acknowledged
from ioc_messaging.keyed_batches import RememberedPartitioner, send_keyed
from ioc_runtime.backoff import backoff_delay
from ioc_storage.quarantine import QuarantinedRecord

log = logging.getLogger(__name__)

# Sends of one dead letter before it is quarantined, and the wait before the second.
DEAD_LETTER_ATTEMPTS = 3
FIRST_RETRY_SECONDS = 0.5
_JSON_HEADERS = [("content-type", b"application/json")]


class Quarantine(Protocol):
    async def hold(self, records: Sequence[QuarantinedRecord]) -> None: ...


@dataclass(frozen=True, slots=True)
class _DeadLetter:
    letter: Refused
    copy: BoundedCopy
    headers: dict[str, str]


class KafkaPublisher:
    def __init__(
        self,
        broker: KafkaBroker,
        *,
        dlq_topic: str,
        updates_topic: str,
        quarantine: Quarantine,
        quarantined: Counter,
        updates_producer: AIOKafkaProducer,
        retry_seconds: float = FIRST_RETRY_SECONDS,
    ) -> None:
        self._broker = broker
        self._updates_producer = updates_producer
        self._partition_of = RememberedPartitioner()
        self._updates_started = False
        # The relay and the batches may both be first to announce something.
        self._updates_starting = asyncio.Lock()
        self._dlq_topic = dlq_topic
        self._updates_topic = updates_topic
        self._quarantine = quarantine
        self._quarantined = quarantined
        self._retry_seconds = retry_seconds

    async def dead_letters(
        self, refused: Sequence[Refused], failed_at: datetime
    ) -> Awaitable[None]:
        sends = []
        for letter in refused:
            position = position_of(letter.record)
            copy = bounded_copy(letter.record.key, letter.record.value)
            headers = dead_letter_headers(
                error_code=letter.error_code,
                reason=letter.reason,
                source_topic=position.topic,
                source_partition=position.partition,
                source_offset=position.offset,
                failed_at=failed_at,
                original_size=copy.original_size,
                truncated=copy.truncated,
            )
            message = _DeadLetter(letter, copy, {n: v.decode() for n, v in headers})
            sends.append((message, await self._send(message)))
        return self._settled(sends, failed_at)

    async def _send(self, message: _DeadLetter) -> Awaitable[object] | Exception:
        try:
            # The original key and bytes (or their first bytes) go through as they were.
            return await self._broker.publish(
                message.copy.value,
                self._dlq_topic,
                key=message.copy.key,
                headers=message.headers,
                no_confirm=True,
            )
        except Exception as error:  # refused by the client before it was sent
            return error

    async def _settled(
        self,
        sends: Sequence[tuple[_DeadLetter, Awaitable[object] | Exception]],
        failed_at: datetime,
    ) -> None:
        unsent: list[QuarantinedRecord] = []
        # Every send awaited, even after a failure, so none is left unretrieved.
        for message, first in sends:
            error = await _failure(first)
            for attempt in range(1, DEAD_LETTER_ATTEMPTS):
                if error is None:
                    break
                # Doubling up to the last attempt: the cap never binds within the attempts.
                ceiling = self._retry_seconds * 2**DEAD_LETTER_ATTEMPTS
                await asyncio.sleep(
                    backoff_delay(attempt, initial=self._retry_seconds, ceiling=ceiling)
                )
                error = await _failure(await self._send(message))
            if error is not None:
                unsent.append(_quarantined(message, error, failed_at))
        if not unsent:
            return
        await self._quarantine.hold(unsent)
        for record in unsent:
            self._quarantined.labels(record.error_code).inc()
            log.error(
                "dead letter refused by Kafka; record quarantined",
                extra={
                    "topic": record.source_topic,
                    "partition": record.source_partition,
                    "offset": record.source_offset,
                    "error_code": record.error_code,
                    "original_size": record.original_size,
                    "dead_letter_error": record.dead_letter_error,
                },
            )

    async def series_updated(self, announcements: Sequence[Announcement]) -> Awaitable[None]:
        if not self._updates_started:
            # On first use, not at start-up: Kafka away then fails a batch (read again
            # later), not the process.
            async with self._updates_starting:
                if not self._updates_started:
                    await self._updates_producer.start()
                    self._updates_started = True
        # The bytes the outbox holds, not a second serialisation of the message.
        pending = await send_keyed(
            self._updates_producer,
            self._updates_topic,
            (
                (series_key_bytes(update.indicator, update.scope), update.payload.encode())
                for update in announcements
            ),
            partition_of=self._partition_of,
            headers=_JSON_HEADERS,
        )
        return all_acknowledged(pending)

    async def close(self) -> None:
        """Sends what is buffered and stops the SeriesUpdated producer."""
        async with self._updates_starting:
            if self._updates_started:
                self._updates_started = False
                await self._updates_producer.stop()


async def _failure(send: Awaitable[object] | Exception) -> Exception | None:
    if isinstance(send, Exception):
        return send
    try:
        await send
    except Exception as error:
        return error
    return None


def _quarantined(message: _DeadLetter, error: Exception, failed_at: datetime) -> QuarantinedRecord:
    position = position_of(message.letter.record)
    return QuarantinedRecord(
        source_topic=position.topic,
        source_partition=position.partition,
        source_offset=position.offset,
        error_code=message.letter.error_code.value,
        reason=message.letter.reason,
        dead_letter_error=repr(error)[:1000],
        original_size=message.copy.original_size,
        key=message.copy.key,
        value_head=message.copy.value,
        truncated=message.copy.truncated,
        failed_at=failed_at,
    )
