"""Hands dead letters and series updates to Kafka; what it returns completes on the acks."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Sequence
from datetime import datetime

from faststream.kafka import KafkaBroker

from ioc_aggregator.domain.records import Refused
from ioc_contracts import SeriesUpdated
from ioc_contracts.dead_letter import dead_letter_headers
from ioc_contracts.topics import series_key_bytes


class KafkaOutbox:
    def __init__(self, broker: KafkaBroker, *, dlq_topic: str, updates_topic: str) -> None:
        self._broker = broker
        self._dlq_topic = dlq_topic
        self._updates_topic = updates_topic

    async def dead_letters(
        self, refused: Sequence[Refused], failed_at: datetime
    ) -> Awaitable[None]:
        pending = []
        for letter in refused:
            position = letter.record.position
            headers = dead_letter_headers(
                error_code=letter.error_code,
                reason=letter.reason,
                source_topic=position.topic,
                source_partition=position.partition,
                source_offset=position.offset,
                failed_at=failed_at,
            )
            # The original key and bytes go through untouched, whatever they were.
            pending.append(
                await self._broker.publish(
                    letter.record.value or b"",
                    self._dlq_topic,
                    key=letter.record.key,
                    headers={name: value.decode() for name, value in headers},
                    no_confirm=True,
                )
            )
        return _all_acknowledged(pending)

    async def series_updated(self, updates: Sequence[SeriesUpdated]) -> Awaitable[None]:
        pending = [
            await self._broker.publish(
                update.model_dump_json().encode(),
                self._updates_topic,
                key=series_key_bytes(update.indicator, update.scope),
                headers={"content-type": "application/json"},
                no_confirm=True,
            )
            for update in updates
        ]
        return _all_acknowledged(pending)


async def _all_acknowledged(pending: Sequence[Awaitable[object]]) -> None:
    # Every one awaited, even after a failure, so none is left unretrieved.
    results = await asyncio.gather(*pending, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
