"""Reading `ioc.series-updated`: which series changed, evaluated once per batch.

Offsets are ours to commit, per partition, once the batch's series were evaluated. A
batch whose evaluation failed (the database is down) is read again from the first record
of *every* partition it holds, after a backoff that grows while the failures last; the
consumer stays in its group meanwhile. A message written by a newer aggregator may carry
fields this service does not know: they are ignored. A message that is not a
SeriesUpdated at all is skipped with a warning; the scheduled evaluation (every target,
every minute) covers whatever it was about.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from aiokafka import TopicPartition
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError

from ioc_contracts import SeriesUpdated
from ioc_contracts.reading import read_newer
from ioc_runtime.backoff import Backoff

log = logging.getLogger(__name__)

Series = tuple[str, str]


class UpdatesConsumer(Protocol):
    """The part of AIOKafkaConsumer the handler uses."""

    def assignment(self) -> set[TopicPartition]: ...

    def seek(self, partition: TopicPartition, offset: int) -> None: ...

    async def commit(self, offsets: dict[TopicPartition, int]) -> None: ...


def changed_series(records: Iterable[Any]) -> set[Series]:
    """(indicator, scope) of every readable SeriesUpdated among the records."""
    series: set[Series] = set()
    for record in records:
        try:
            update = read_newer(SeriesUpdated, record.value or b"")
        except (ValueError, RecursionError) as error:
            log.warning(
                "not a SeriesUpdated; skipped",
                extra={
                    "topic": record.topic,
                    "partition": record.partition,
                    "offset": record.offset,
                    "error": str(error).splitlines()[0] if str(error) else repr(error),
                },
            )
            continue
        series.add((update.indicator, update.scope))
    return series


def _offsets(records: Iterable[Any], *, first: bool) -> dict[TopicPartition, int]:
    offsets: dict[TopicPartition, int] = {}
    for record in records:
        tp = TopicPartition(record.topic, record.partition)
        if first:
            offsets[tp] = min(offsets.get(tp, record.offset), record.offset)
        else:
            offsets[tp] = max(offsets.get(tp, 0), record.offset + 1)
    return offsets


@dataclass
class SeriesUpdatesHandler:
    evaluate: Callable[[set[Series]], Awaitable[object]]
    backoff: Backoff = field(default_factory=lambda: Backoff(initial=0.5, ceiling=30.0))
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep

    async def handle(self, records: Sequence[Any], consumer: UpdatesConsumer) -> None:
        try:
            await self.evaluate(changed_series(records))
        except Exception as error:
            self._hand_back(records, consumer)
            delay = self.backoff.next_delay()
            log.warning(
                "series updates read again after a failed evaluation",
                extra={
                    "records": len(records),
                    "error": repr(error),
                    "retry_in_seconds": round(delay, 2),
                },
            )
            # Here, before the next fetch: no hot loop while the database is down.
            await self.sleep(delay)
            return
        self.backoff.succeeded()
        await self._commit(records, consumer)

    @staticmethod
    def _hand_back(records: Sequence[Any], consumer: UpdatesConsumer) -> None:
        assigned = consumer.assignment()
        for tp, offset in _offsets(records, first=True).items():
            if tp in assigned:  # a partition revoked meanwhile: its new owner re-reads
                consumer.seek(tp, offset)

    @staticmethod
    async def _commit(records: Sequence[Any], consumer: UpdatesConsumer) -> None:
        assigned = consumer.assignment()
        offsets = {tp: o for tp, o in _offsets(records, first=False).items() if tp in assigned}
        if not offsets:
            return
        try:
            await consumer.commit(offsets)
        except (CommitFailedError, IllegalStateError) as error:
            # A rebalance moved the partitions: their next owner evaluates them again,
            # which changes nothing that is already decided.
            log.warning("series updates commit refused", extra={"error": str(error)})
        except KafkaError as error:
            log.warning("series updates commit failed", extra={"error": repr(error)})
