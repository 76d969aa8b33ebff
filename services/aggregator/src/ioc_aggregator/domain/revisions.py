"""Revisions of a figure, and which one is of record.

A figure is (indicator, scope, observed_at); each stored event about it is a revision.
The figure of record is the newest revision in the order (revised_at, received_at,
agency, event_id), where revised_at is the producer's reported_at or, when it gave
none, the moment the aggregator received the event (screened the records fetched
with it). Every part is fixed at the first store, so a replay (a duplicate, never stored
again) or an older revision arriving late (an older revised_at) cannot displace a newer
one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import NamedTuple
from uuid import UUID

from ioc_aggregator.domain.records import Accepted, Refused
from ioc_catalog.quality import Finding
from ioc_contracts.dead_letter import DeadLetterErrorCode
from ioc_contracts.fast_decoding import DecodedEvent
from ioc_contracts.identity import (
    CONTENT_FIELDS,
    EventKey,
    describe_conflict,
    differing_fields,
    event_key,
)

FigureKey = tuple[str, str, datetime]
RevisionOrder = tuple[datetime, datetime, str, UUID]


class Revision(NamedTuple):
    """An accepted event as it is stored: one revision of its figure."""

    event: DecodedEvent
    received_at: datetime
    flags: tuple[Finding, ...]

    @property
    def revised_at(self) -> datetime:
        return self.event.reported_at or self.received_at

    @property
    def order(self) -> RevisionOrder:
        return (self.revised_at, self.received_at, self.event.agency, self.event.event_id)

    @property
    def figure(self) -> FigureKey:
        return (self.event.indicator, self.event.scope, self.event.observed_at)


class Repeats(NamedTuple):
    """A batch split by event identity: the first copy of each id, later identical
    copies (duplicates) and later copies with other content (refused)."""

    first: list[Accepted]
    duplicates: int
    conflicts: list[Refused]


def content_of(event: DecodedEvent) -> dict[str, object]:
    return {name: getattr(event, name) for name in CONTENT_FIELDS}


def split_repeats(
    items: Sequence[Accepted], stored: Mapping[EventKey, Mapping[str, object]] | None = None
) -> Repeats:
    """Splits a batch by identity. A copy of an id stored before is judged against the
    stored content; among copies of a new id, the first in Kafka order is the event and
    the others are judged against it, exactly as if it had been stored already."""
    known = stored or {}
    first: dict[EventKey, Accepted] = {}
    duplicates = 0
    conflicts: list[Refused] = []
    for item in items:
        # An id's hash is a Python call (UUID.__hash__): each key is hashed as few
        # times as the usual case (a new id, no stored copies) allows.
        key = event_key(item.event)
        content = known.get(key) if known else None
        if content is None:
            earlier = first.setdefault(key, item)
            if earlier is item:
                continue
            content = content_of(earlier.event)
        if (verdict := against_stored(item, content)) is None:
            duplicates += 1
        else:
            conflicts.append(verdict)
    return Repeats(list(first.values()), duplicates, conflicts)


def against_stored(item: Accepted, stored: Mapping[str, object]) -> Refused | None:
    """None when `item` repeats the stored content of its id, else its refusal."""
    fields = differing_fields(item.event, stored)
    if not fields:
        return None
    return Refused(
        item.record,
        DeadLetterErrorCode.EVENT_ID_CONFLICT,
        describe_conflict(item.event, stored, fields),
    )


def newest_per_figure(revisions: Sequence[Revision]) -> list[Revision]:
    """The newest revision of each figure in the batch: the figure-of-record upsert may
    touch each figure only once per statement."""
    newest: dict[FigureKey, Revision] = {}
    for revision in revisions:
        event = revision.event
        key = (event.indicator, event.scope, event.observed_at)
        current = newest.get(key)
        # The order is built only when two revisions of one figure meet (rare).
        if current is None or revision.order > current.order:
            newest[key] = revision
    return list(newest.values())
