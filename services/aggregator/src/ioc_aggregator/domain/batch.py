"""Batch bookkeeping: which offsets to commit, which series changed."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import groupby
from operator import attrgetter
from typing import NamedTuple, Protocol
from uuid import UUID

import msgspec

from ioc_aggregator.domain.records import Positioned, Refused
from ioc_aggregator.domain.revisions import Revision
from ioc_contracts import SeriesUpdated
from ioc_contracts.events import MAX_EVENT_IDS_PER_UPDATE

TopicPartitionKey = tuple[str, int]


def commit_offsets(positions: Iterable[Positioned]) -> dict[TopicPartitionKey, int]:
    """The offset to commit per partition: one past the last record handled.

    Every record of the batch counts, stored or dead-lettered alike, since both
    are finished; a record not in `positions` is never skipped over.
    """
    offsets: dict[TopicPartitionKey, int] = {}
    # A batch is runs of one partition's records: each run is judged whole, in C.
    for key, run in groupby(positions, _partition_of):
        offsets[key] = max(offsets.get(key, 0), max(map(_offset_of, run)) + 1)
    return offsets


_partition_of = attrgetter("topic", "partition")
_offset_of = attrgetter("offset")


def earliest_offsets(positions: Iterable[Positioned]) -> dict[TopicPartitionKey, int]:
    """Where to seek back to so a batch that could not be finished is read again."""
    offsets: dict[TopicPartitionKey, int] = {}
    for position in positions:
        key = (position.topic, position.partition)
        offsets[key] = min(offsets.get(key, position.offset), position.offset)
    return offsets


class InsertedRow(Protocol):
    """A row this batch really inserted: the stored event itself (`DecodedEvent`) or a
    `StoredObservation` (duplicates never come back from the insert)."""

    @property
    def event_id(self) -> UUID: ...
    @property
    def indicator(self) -> str: ...
    @property
    def scope(self) -> str: ...
    @property
    def observed_at(self) -> datetime: ...
    @property
    def value(self) -> float: ...


class StoredObservation(NamedTuple):
    """An inserted row on its own (tests, and anything not holding the event)."""

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


class Announcement(NamedTuple):
    """One SeriesUpdated, serialised once: the outbox keeps these bytes and Kafka gets
    the same ones."""

    indicator: str
    scope: str
    payload: str


@dataclass(frozen=True, slots=True)
class StoredBatch:
    """What one store transaction did."""

    inserted: Sequence[InsertedRow]
    latest: list[LatestValue]
    refused: list[Refused] = field(default_factory=list)
    duplicates: int = 0
    flagged: list[Revision] = field(default_factory=list)
    announcements: list[Announcement] = field(default_factory=list)
    # Outbox rows of `announcements`, to forget once Kafka acknowledged them.
    announcement_ids: list[int] = field(default_factory=list)


def merged(parts: Sequence[StoredBatch]) -> StoredBatch:
    """Several transactions' work as one batch's."""
    if len(parts) == 1:
        return parts[0]
    return StoredBatch(
        inserted=[row for part in parts for row in part.inserted],
        latest=[row for part in parts for row in part.latest],
        refused=[row for part in parts for row in part.refused],
        duplicates=sum(part.duplicates for part in parts),
        flagged=[row for part in parts for row in part.flagged],
        announcements=[row for part in parts for row in part.announcements],
        announcement_ids=[row for part in parts for row in part.announcement_ids],
    )


# Field for field the contract's JSON (`SeriesUpdated.model_dump_json`): same order,
# same spelling of timestamps and numbers; `test_batch.py` holds the two equal.
_ANNOUNCEMENT = msgspec.json.Encoder()


def series_announcements(
    stored: Sequence[InsertedRow], latest: Iterable[LatestValue], *, updated_at: datetime
) -> list[Announcement]:
    """One SeriesUpdated per series that gained observations in this batch, serialised,
    in series order.

    Serialised without building the contract's model: every field comes from events
    screened against it and from the database's own rows, and validating each event id
    again, then serialising through pydantic, was a third of the store step's CPU.
    """
    added: dict[tuple[str, str], list[UUID]] = {}
    for row in stored:
        key = (row.indicator, row.scope)
        ids = added.get(key)
        if ids is None:
            added[key] = [row.event_id]
        else:
            ids.append(row.event_id)
    updates = []
    for entry in latest:
        event_ids = added.get((entry.indicator, entry.scope))
        if not event_ids:
            continue
        message = {
            "schema_version": 1,
            "indicator": entry.indicator,
            "scope": entry.scope,
            "latest_observed_at": entry.observed_at,
            "latest_value": entry.value,
            "new_observations": len(event_ids),
            "event_ids": event_ids[:MAX_EVENT_IDS_PER_UPDATE],
            "updated_at": updated_at,
        }
        payload = _ANNOUNCEMENT.encode(message).decode()
        updates.append(Announcement(entry.indicator, entry.scope, payload))
    return sorted(updates, key=lambda update: (update.indicator, update.scope))


def series_updates(
    stored: Sequence[InsertedRow], latest: Iterable[LatestValue], *, updated_at: datetime
) -> list[SeriesUpdated]:
    """`series_announcements` read back by the contract: what the alert service gets."""
    return [
        SeriesUpdated.model_validate_json(announcement.payload)
        for announcement in series_announcements(stored, latest, updated_at=updated_at)
    ]
