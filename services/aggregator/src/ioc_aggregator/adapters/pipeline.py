"""Two batches in flight: the next is fetched and screened while the last is finished.

FastStream calls the handler with one batch at a time. The handler screens its batch
(our CPU), waits for the batch before it to be finished, starts finishing its own in
the background and returns; so Kafka's next fetch and the screening of the next batch
overlap the database transaction, the Kafka acknowledgements and the offset commit of
this one.

What "effectively once" rests on is unchanged: one batch is finished at a time, in
Kafka order; a batch's offsets are committed only after its transaction committed and
its dead letters and SeriesUpdated were acknowledged by Kafka; a batch that could not
be finished is handed back to Kafka (seek back), and the batch screened behind it is
dropped and handed back with it, so nothing after it is committed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError

from ioc_aggregator.domain.batch import TopicPartitionKey, earliest_offsets
from ioc_aggregator.domain.records import SourceRecord
from ioc_aggregator.metrics import AggregatorMetrics
from ioc_aggregator.usecase import DatabaseUnavailableError, Screened

log = logging.getLogger(__name__)


def rewind(consumer: AIOKafkaConsumer, records: Iterable[SourceRecord]) -> None:
    """Seeks each partition back to the first of `records`, so they are read again.

    A partition taken away by a rebalance is left alone: its new owner starts from the
    committed offset, which is not past any of these records.
    """
    assigned = consumer.assignment()
    for (topic, partition), offset in earliest_offsets(r.position for r in records).items():
        tp = TopicPartition(topic, partition)
        if tp in assigned:
            consumer.seek(tp, offset)


class BatchStages(Protocol):
    """The two halves of a batch (`BatchProcessor` in production)."""

    async def screen(self, records: Sequence[SourceRecord]) -> Screened: ...

    async def finish(self, batch: Screened) -> dict[TopicPartitionKey, int]: ...


@dataclass
class _Finishing:
    records: Sequence[SourceRecord]
    outcome: asyncio.Task[bool]  # True: finished; False: handed back to Kafka


class BatchPipeline:
    def __init__(self, processor: Callable[[], BatchStages], metrics: AggregatorMetrics):
        self._processor = processor
        self._metrics = metrics
        self._finishing: _Finishing | None = None
        self._committed: dict[TopicPartition, int] = {}
        self._closing = False

    async def submit(self, records: Sequence[SourceRecord], consumer: AIOKafkaConsumer) -> None:
        """Screens `records`, then hands them on to be finished once the batch ahead is."""
        try:
            screened = await self._processor().screen(records)
        except BaseException:
            # Whatever went wrong (the rules waited too long for the database), this
            # batch and anything behind a failed one are read again.
            handed_back = await self._settle()
            rewind(consumer, [*handed_back, *records])
            raise
        handed_back = await self._settle()
        if handed_back:
            rewind(consumer, [*handed_back, *records])
            log.warning(
                "batch dropped behind one handed back to Kafka", extra={"records": len(records)}
            )
            return
        if self._closing:
            return  # never committed: read again by whoever owns the partitions next
        task = asyncio.create_task(self._finish(screened, consumer), name="aggregator-finish")
        self._finishing = _Finishing(records, task)

    async def close(self) -> None:
        """Lets the batch being finished commit; takes no new one (shutdown)."""
        self._closing = True
        await self._settle()

    async def _settle(self) -> Sequence[SourceRecord]:
        """Waits for the batch being finished; returns its records if it was handed back."""
        finishing = self._finishing
        if finishing is None:
            return ()
        try:
            # Shielded: a handler cancelled at shutdown must not cut a batch in half.
            finished = await asyncio.shield(finishing.outcome)
        except asyncio.CancelledError:
            if not finishing.outcome.cancelled():
                raise
            finished = False
        if self._finishing is finishing:
            self._finishing = None
        return () if finished else finishing.records

    async def _finish(self, screened: Screened, consumer: AIOKafkaConsumer) -> bool:
        try:
            offsets = await self._processor().finish(screened)
        except DatabaseUnavailableError as error:
            rewind(consumer, screened.records)
            log.warning(
                "batch handed back to Kafka until the database returns",
                extra={"records": len(screened.records), "error": str(error)},
            )
            return False
        except Exception:
            # Whatever went wrong, nothing past this batch may be committed.
            rewind(consumer, screened.records)
            log.exception("batch handed back to Kafka", extra={"records": len(screened.records)})
            return False
        await self._commit(consumer, offsets)
        return True

    async def _commit(
        self, consumer: AIOKafkaConsumer, offsets: dict[TopicPartitionKey, int]
    ) -> None:
        commit = {
            TopicPartition(t, p): offset
            for (t, p), offset in offsets.items()
            # A partition read again after a rebalance never moves back what we committed.
            if offset > self._committed.get(TopicPartition(t, p), -1)
        }
        if not commit:
            return
        try:
            await consumer.commit(commit)
        except (CommitFailedError, IllegalStateError, KafkaError) as error:
            # A rebalance took the partition away (or the coordinator is moving); its
            # next owner re-reads the batch and the idempotency key absorbs what was
            # already stored.
            log.warning("offset commit refused", extra={"error": str(error)})
            return
        self._committed.update(commit)
        for partition, offset in commit.items():
            highwater = consumer.highwater(partition)
            if highwater is not None:
                self._metrics.lag.labels(partition.topic, str(partition.partition)).set(
                    max(0, highwater - offset)
                )
