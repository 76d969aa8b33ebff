"""Batch bookkeeping: which offsets to commit, which series changed."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple
from uuid import UUID

from ioc_aggregator.domain.records import Position
from ioc_contracts import SeriesUpdated
from ioc_contracts.events import MAX_EVENT_IDS_PER_UPDATE

TopicPartitionKey = tuple[str, int]


def commit_offsets(positions: Iterable[Position]) -> dict[TopicPartitionKey, int]:
    """The offset to commit per partition: one past the last record handled.

    Every record of the batch counts, stored or dead-lettered alike, since both
    are finished; a record not in `positions` is never skipped over.
    """
    offsets: dict[TopicPartitionKey, int] = {}
    for position in positions:
        key = (position.topic, position.partition)
        offsets[key] = max(offsets.get(key, 0), position.offset + 1)
    return offsets


def earliest_offsets(positions: Iterable[Position]) -> dict[TopicPartitionKey, int]:
    """Where to seek back to so a batch that could not be finished is read again."""
    offsets: dict[TopicPartitionKey, int] = {}
    for position in positions:
        key = (position.topic, position.partition)
        offsets[key] = min(offsets.get(key, position.offset), position.offset)
    return offsets


class StoredObservation(NamedTuple):
    """A row this batch really inserted (duplicates never come back from the insert)."""

    event_id: UUID
    indicator: str
    scope: str
    observed_at: datetime
    value: float


@dataclass(frozen=True, slots=True)
class LatestValue:
    indicator: str
    scope: str
    observed_at: datetime
    value: float


def newest_per_series(rows: Sequence[StoredObservation]) -> list[StoredObservation]:
    """The newest row of each series; among equal times the later one in the batch.

    The latest-value upsert can touch each series only once per statement, and
    "later in the batch" is Kafka order within the series' partition.
    """
    newest: dict[tuple[str, str], StoredObservation] = {}
    for row in rows:
        key = (row.indicator, row.scope)
        current = newest.get(key)
        if current is None or row.observed_at >= current.observed_at:
            newest[key] = row
    return list(newest.values())


def series_updates(
    stored: Sequence[StoredObservation], latest: Iterable[LatestValue], *, updated_at: datetime
) -> list[SeriesUpdated]:
    """One SeriesUpdated per series that gained observations in this batch."""
    added: dict[tuple[str, str], list[UUID]] = {}
    for row in stored:
        added.setdefault((row.indicator, row.scope), []).append(row.event_id)
    updates = []
    for entry in latest:
        event_ids = added.get((entry.indicator, entry.scope))
        if not event_ids:
            continue
        updates.append(
            SeriesUpdated(
                indicator=entry.indicator,
                scope=entry.scope,
                latest_observed_at=entry.observed_at,
                latest_value=entry.value,
                new_observations=len(event_ids),
                event_ids=event_ids[:MAX_EVENT_IDS_PER_UPDATE],
                updated_at=updated_at,
            )
        )
    return sorted(updates, key=lambda update: (update.indicator, update.scope))
