"""Batches in flight, overlapped, finished in Kafka order.

FastStream calls the handler with one batch at a time. The handler screens its batch
(our CPU), waits until the batch ahead is stored, starts finishing its own in the
background and returns. Finishing a batch is: store it (one transaction) and hand its
dead letters and SeriesUpdated to the Kafka producer; wait for Kafka's
acknowledgements; wait for the batch ahead to be committed; commit its offsets. So the
next fetch and screening overlap the database transaction, and the next transaction
overlaps the acknowledgements and the offset commit of the batch before.

What "effectively once" rests on is unchanged: batches are stored one after another
and committed one after another, in Kafka order; a batch's offsets are committed only
after its transaction committed and its dead letters and SeriesUpdated were
acknowledged by Kafka, and after the batch ahead was committed; a batch that could not
be finished is handed back to Kafka (seek back), and every batch behind it is handed
back with it, each seek going back at least as far as the one before it, so nothing
after the first unfinished record is committed.

A rebalance is part of this order too: when partitions are revoked, the batches in
flight are finished (stored and committed, or handed back) before the group moves on,
so a new owner starts exactly where the committed offsets say, and nothing fetched
before the rebalance counts as "ahead" of what is fetched after it. Whatever goes wrong
in finishing one batch hands it back; it never leaves an error behind that every later
batch would trip over.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition

from ioc_aggregator.application.usecase import Announced, DatabaseUnavailableError, Screened
from ioc_aggregator.domain.batch import TopicPartitionKey
from ioc_aggregator.domain.records import SourceRecord
from ioc_aggregator.inbound.growth import grown
from ioc_aggregator.inbound.partitions import DrainOnRevoke, commit, rewind
from ioc_aggregator.metrics import AggregatorMetrics

log = logging.getLogger(__name__)


class BatchStages(Protocol):
    """The steps of a batch (`BatchProcessor` in production)."""

    async def screen(self, records: Sequence[SourceRecord]) -> Screened: ...

    async def store(self, batch: Screened) -> Announced: ...

    async def acknowledged(self, batch: Announced) -> dict[TopicPartitionKey, int]: ...


@dataclass
class _InFlight:
    records: Sequence[SourceRecord]
    stored: asyncio.Future[bool]  # True once stored; False if it never will be
    # () once committed (or the commit was refused by a rebalance); otherwise every
    # record handed back to Kafka, this batch's and those ahead of it.
    outcome: asyncio.Task[Sequence[SourceRecord]]
    started: float  # the event loop's time when it was handed on to be stored


async def _outcome(batch: _InFlight | None) -> Sequence[SourceRecord]:
    if batch is None:
        return ()
    try:
        # Shielded: a handler cancelled at shutdown must not cut a batch in half.
        return await asyncio.shield(batch.outcome)
    except asyncio.CancelledError:
        if not batch.outcome.cancelled():
            raise
        return batch.records
    except Exception:
        # `_finish` does not raise; should it ever, the batch counts as handed back
        # rather than as an error every batch behind it would raise again.
        log.exception("finishing a batch failed; it is read again")
        return batch.records


def _handed_back(batch: _InFlight) -> bool:
    """Whether the batch is known to be handed back (its outcome says so, or it failed)."""
    outcome = batch.outcome
    if not outcome.done():
        return False
    if outcome.cancelled() or outcome.exception() is not None:
        return True
    return bool(outcome.result())


class BatchPipeline:
    def __init__(
        self,
        processor: Callable[[], BatchStages],
        metrics: AggregatorMetrics,
        *,
        grow_to: int,
        interval: float = 0.0,
    ):
        self._processor = processor
        self._metrics = metrics
        self._grow_to = grow_to
        self._interval = interval
        self._last: _InFlight | None = None
        self._committed: dict[TopicPartition, int] = {}
        self._closing = False
        # Rebalances seen: a batch read before one is not stored after it.
        self._rebalances = 0

    async def submit(self, records: Sequence[SourceRecord], consumer: AIOKafkaConsumer) -> None:
        """Screens `records`, grows the batch with what arrives while the batch ahead is
        stored, then hands it on to be finished behind the batch ahead."""
        ahead = self._last
        rebalances = self._rebalances
        taken = list(records)
        try:
            screened = await self._processor().screen(records)
            if ahead is not None:
                screened = await grown(
                    screened,
                    taken,
                    consumer,
                    ahead.stored,
                    self._processor(),
                    not_before=ahead.started + self._interval,
                    grow_to=self._grow_to,
                    stop=lambda: self._closing or self._rebalances != rebalances,
                )
        except BaseException:
            # Whatever went wrong (the rules waited too long for the database), this
            # batch is read again, after anything handed back ahead of it.
            await self._hand_back(consumer, taken)
            raise
        records = screened.records
        ahead = self._last
        if ahead is not None and not await self._stored(ahead):
            await self._hand_back(consumer, records)
            log.warning(
                "batch dropped behind one handed back to Kafka", extra={"records": len(records)}
            )
            return
        if self._closing:
            return  # never committed: read again by whoever owns the partitions next
        if self._rebalances != rebalances:
            # Read before a rebalance: every partition was revoked and whoever owns it
            # now reads on from the committed offset, these records included. Storing
            # them here as well would race the new owner for the same event ids.
            log.info("batch read before a rebalance left to the partitions' owners")
            return
        loop = asyncio.get_running_loop()
        stored = loop.create_future()
        task = asyncio.create_task(
            self._finish(screened, consumer, ahead, stored), name="aggregator-finish"
        )
        self._last = _InFlight(records, stored, task, loop.time())

    async def close(self) -> None:
        """Lets the batches in flight commit; takes no new one (shutdown)."""
        self._closing = True
        await _outcome(self._last)

    async def drain(self, revoked: Iterable[TopicPartition]) -> None:
        """Partitions are being revoked: the batches in flight are finished (committed
        while this member still owns them, or handed back) before the group moves on.

        A batch being screened or grown meanwhile is not stored at all: the rebalance
        revokes every partition (aiokafka's assignors are eager), so their owners, this
        member included, read its records again from the committed offsets.
        """
        self._rebalances += 1
        last = self._last
        await _outcome(last)
        if self._last is last:
            self._last = None
        for partition in revoked:
            # The next owner may commit further; our high-water mark no longer applies.
            self._committed.pop(partition, None)

    def rebalance_listener(self) -> ConsumerRebalanceListener:
        return DrainOnRevoke(self.drain)

    async def _hand_back(self, consumer: AIOKafkaConsumer, records: Sequence[SourceRecord]) -> None:
        """Seeks back to the first record not finished, this batch's or one ahead of it;
        what is fetched from there on starts afresh, with nothing in flight."""
        last = self._last
        handed_back = await _outcome(last)
        rewind(consumer, [*handed_back, *records])
        if self._last is last:
            self._last = None

    @staticmethod
    async def _stored(batch: _InFlight) -> bool:
        """Whether the batch was stored and is not known to be handed back."""
        if not await asyncio.shield(batch.stored):
            return False
        return not _handed_back(batch)

    async def _finish(
        self,
        screened: Screened,
        consumer: AIOKafkaConsumer,
        ahead: _InFlight | None,
        stored: asyncio.Future[bool],
    ) -> Sequence[SourceRecord]:
        offsets: dict[TopicPartitionKey, int] | None = None
        try:
            processor = self._processor()
            announced = await processor.store(screened)
            stored.set_result(True)
            offsets = await processor.acknowledged(announced)
        except DatabaseUnavailableError as error:
            log.warning(
                "batch handed back to Kafka until the database returns",
                extra={"records": len(screened.records), "error": str(error)},
            )
        except Exception:
            log.exception("batch handed back to Kafka", extra={"records": len(screened.records)})
        finally:
            if not stored.done():
                stored.set_result(False)
        # In Kafka order: nothing is committed, and nothing sought, before the batch ahead.
        handed_back = await _outcome(ahead)
        try:
            return await self._commit_or_hand_back(consumer, screened, offsets, handed_back)
        except Exception:
            log.exception("batch handed back to Kafka", extra={"records": len(screened.records)})
            handed_back = [*handed_back, *screened.records]
            rewind(consumer, handed_back)
            return handed_back

    async def _commit_or_hand_back(
        self,
        consumer: AIOKafkaConsumer,
        screened: Screened,
        offsets: dict[TopicPartitionKey, int] | None,
        handed_back: Sequence[SourceRecord],
    ) -> Sequence[SourceRecord]:
        if (
            offsets is None
            or handed_back
            or not await commit(consumer, offsets, self._committed, self._metrics)
        ):
            # Back at least as far as the batches ahead went, so none of them is skipped.
            handed_back = [*handed_back, *screened.records]
            rewind(consumer, handed_back)
            return handed_back
        return ()
