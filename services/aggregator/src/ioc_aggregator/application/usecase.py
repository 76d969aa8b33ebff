"""One batch in three steps: screen it; store it and hand its messages to Kafka; wait
for Kafka's acknowledgements and say what to commit.

The order is what makes "effectively once" hold: the database transaction
commits first, then dead letters and series updates are acknowledged by Kafka,
and only then are offsets committed. A crash anywhere before the commit means
the batch is read again, and the idempotency key absorbs what was stored.
Screening writes nothing, so it may run while the batch before is still stored; a
batch may be stored while Kafka acknowledges the one before (inbound/pipeline.py).

A large batch is stored in two transactions at once, one per lane of partitions: a
series lives in one partition, so the lanes touch disjoint series, and the database
works on both while the other waits. Both must commit before anything reaches Kafka or
an offset is committed; if one fails, the whole batch is read again (what the other
stored is then duplicates, and its SeriesUpdated stay in the outbox for the relay).

The use case knows its ports only (`application/ports.py`); the adapters are wired in
`main.py`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial

from ioc_aggregator.application.lanes import lanes
from ioc_aggregator.application.ports import (
    EventStore,
    Publisher,
    RowsRefusedError,
    RulesSource,
)
from ioc_aggregator.application.waiting import DatabaseUnavailableError, DatabaseWait
from ioc_aggregator.domain.batch import StoredBatch, TopicPartitionKey, commit_offsets, merged
from ioc_aggregator.domain.records import Accepted, Refused, SourceRecord
from ioc_aggregator.domain.refusals import attributable
from ioc_aggregator.domain.screening import screen_or_refuse
from ioc_aggregator.metrics import AggregatorMetrics
from ioc_catalog.quality import FigureRules
from ioc_catalog.screening import ScreeningRules
from ioc_contracts.dead_letter import DeadLetterErrorCode

log = logging.getLogger(__name__)

__all__ = ["Announced", "BatchProcessor", "DatabaseUnavailableError", "Screened"]


# Records screened between two chances for the batch ahead to read its replies.
_SCREEN_SLICE = 100


@dataclass(frozen=True, slots=True)
class Screened:
    """A batch judged record by record, not yet written."""

    records: Sequence[SourceRecord]
    accepted: list[Accepted]
    refused: list[Refused]
    rules: ScreeningRules


@dataclass(frozen=True, slots=True)
class Announced:
    """A batch stored, its dead letters and SeriesUpdated handed to the Kafka producer."""

    records: Sequence[SourceRecord]
    acknowledgements: list[Awaitable[None]]  # done once Kafka acknowledged every message
    refused: list[Refused]
    updates: int
    inserted: int
    duplicates: int
    # Outbox rows of the SeriesUpdated, forgotten once Kafka acknowledged them.
    announcement_ids: list[int] = field(default_factory=list)


@dataclass
class BatchProcessor:
    events: EventStore
    rules: RulesSource
    publisher: Publisher
    metrics: AggregatorMetrics
    # Waits out database outages, up to a bound per batch.
    wait: DatabaseWait
    # Transactions one batch may use at once (disjoint partitions each).
    lanes: int = 2
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    # Runs once a batch's transaction committed, before anything reaches Kafka; fault
    # tests make it end the process there (IOC_AGGREGATOR_FAILPOINT).
    after_commit: Callable[[], None] = lambda: None

    async def screen(self, records: Sequence[SourceRecord]) -> Screened:
        """Judges each record of a batch: our CPU, no writes (the rules may wait for the
        database on the very first batch)."""
        self.metrics.consumed.inc(len(records))
        self.metrics.batch_size.observe(len(records))
        rules = await self.wait(self.rules)
        now = self.clock()
        accepted: list[Accepted] = []
        refused: list[Refused] = []
        for start in range(0, len(records), _SCREEN_SLICE):
            if start:
                # Let the batch ahead of this one take its database and Kafka replies.
                await asyncio.sleep(0)
            for record in records[start : start + _SCREEN_SLICE]:
                verdict = screen_or_refuse(record, rules, now=now)
                if isinstance(verdict, Accepted):
                    accepted.append(verdict)
                else:
                    refused.append(verdict)
        return Screened(records, accepted, refused, rules)

    async def store(self, batch: Screened) -> Announced:
        """Stores a screened batch, then hands its dead letters and SeriesUpdated to the
        Kafka producer without waiting for the acknowledgements (`acknowledged` does).
        Raises if the batch must be read again."""
        accepted, refused = batch.accepted, list(batch.refused)
        stored, rejected_by_storage = await self._store(accepted, batch.rules.figures)
        refused.extend(stored.refused)
        refused.extend(rejected_by_storage)
        for revision in stored.flagged:
            for flag in revision.flags:
                self.metrics.quality_flags.labels(revision.event.agency, flag.check.value).inc()
        pending: list[Awaitable[None]] = []
        if refused:
            refused_at = self.clock()
            await self._record_refusals(refused, refused_at)
            pending.append(await self.publisher.dead_letters(refused, refused_at))
        self.after_commit()
        updates = stored.announcements
        if updates:
            pending.append(await self.publisher.series_updated(updates))
        return Announced(
            records=batch.records,
            acknowledgements=pending,
            refused=refused,
            updates=len(updates),
            inserted=len(stored.inserted),
            duplicates=stored.duplicates,
            announcement_ids=stored.announcement_ids,
        )

    async def acknowledged(self, batch: Announced) -> dict[TopicPartitionKey, int]:
        """Waits until Kafka acknowledged the batch's dead letters and SeriesUpdated;
        returns the offsets to commit. Raises if one was not acknowledged."""
        for acknowledgement in batch.acknowledgements:
            await acknowledgement
        await self.events.forget_announcements(batch.announcement_ids)
        for letter in batch.refused:
            self.metrics.dead_letters.labels(letter.error_code.value).inc()
            log.warning(
                "dead-lettered",
                extra={
                    "topic": letter.record.topic,
                    "partition": letter.record.partition,
                    "offset": letter.record.offset,
                    "error_code": letter.error_code.value,
                    "reason": letter.reason,
                },
            )
        self.metrics.series_updates.inc(batch.updates)
        self.metrics.written.inc(batch.inserted)
        self.metrics.duplicates.inc(batch.duplicates)
        return commit_offsets(batch.records)

    async def _record_refusals(self, refused: Sequence[Refused], refused_at: datetime) -> None:
        """Records what agencies may read back, before the dead letters go out and the
        offsets are committed (a batch read again records nothing twice)."""
        refusals = attributable(refused, refused_at)
        try:
            await self.wait(partial(self.events.record_refusals, refusals))
        except (RowsRefusedError, DatabaseUnavailableError) as error:
            # Not worth blocking the partition for: the dead letter still carries it.
            log.error(
                "could not record refusals for read-back",
                extra={"error": repr(error), "refusals": len(refusals)},
            )

    async def _store(
        self, accepted: Sequence[Accepted], figures: Mapping[str, FigureRules]
    ) -> tuple[StoredBatch, list[Refused]]:
        if not accepted:
            return StoredBatch([], []), []
        parts = lanes(accepted, self.lanes)
        results = await asyncio.gather(
            *(self._store_lane(part, figures) for part in parts), return_exceptions=True
        )
        # Every lane finished (committed or not) before anything is decided.
        for result in results:
            if isinstance(result, BaseException):
                raise result
        done = [r for r in results if not isinstance(r, BaseException)]
        return merged([part for part, _ in done]), [r for _, refused in done for r in refused]

    async def _store_lane(
        self, accepted: Sequence[Accepted], figures: Mapping[str, FigureRules]
    ) -> tuple[StoredBatch, list[Refused]]:
        try:
            return await self.wait(partial(self._write, accepted, figures)), []
        except RowsRefusedError:
            # Valid by every check we know, refused by the database (or an id another
            # writer registered meanwhile): store the events one by one, so only the
            # rows the database refuses go to the DLQ and the partition moves on.
            return await self._store_one_by_one(accepted, figures)

    async def _store_one_by_one(
        self, accepted: Sequence[Accepted], figures: Mapping[str, FigureRules]
    ) -> tuple[StoredBatch, list[Refused]]:
        parts: list[StoredBatch] = []
        refused: list[Refused] = []
        for item in accepted:
            try:
                batch = await self.wait(partial(self._write, [item], figures))
            except RowsRefusedError as error:
                refused.append(
                    Refused(item.record, DeadLetterErrorCode.STORAGE_REJECTED, str(error))
                )
                continue
            parts.append(batch)
        return (merged(parts) if parts else StoredBatch([], [])), refused

    async def _write(
        self, accepted: Sequence[Accepted], figures: Mapping[str, FigureRules]
    ) -> StoredBatch:
        started = time.perf_counter()
        batch = await self.events.store(accepted, rules=figures, updated_at=self.clock())
        self.metrics.write_seconds.observe(time.perf_counter() - started)
        return batch
