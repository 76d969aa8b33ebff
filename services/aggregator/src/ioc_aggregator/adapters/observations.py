"""Writes a batch of accepted events to TimescaleDB in one transaction.

Four steps, each in the fastest form PostgreSQL offers for the usual case:
1. identity: the batch's (agency, event_id) keys go into `ioc.event_ids` by binary COPY;
   if one is known, the COPY is undone (a savepoint) and the stored content of the known
   ids decides, key by key: the same content is a duplicate, other content a conflict;
2. the ledger: every new revision is COPYed into `ioc.observations`;
3. figures of record: the newest revision of each figure goes into `ioc.figures` by COPY,
   or, when a figure already exists (a revision), by an upsert that keeps the newer one
   in revision order (`domain/revisions.py`);
4. latest values: from the figures of record this batch changed, never from a revision
   that lost, so a replayed or late revision cannot move them;
5. the batch's SeriesUpdated messages, into the outbox (`announcements.py`).
Checks that compare a figure with the one before it (a counter going down, a jump) read
that figure here, inside the same transaction.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple
from uuid import UUID

import asyncpg

from ioc_aggregator.adapters.announcements import record_announcements
from ioc_aggregator.domain.batch import LatestValue, StoredObservation, series_updates
from ioc_aggregator.domain.records import Accepted, Refused
from ioc_aggregator.domain.revisions import (
    Repeats,
    Revision,
    newest_per_figure,
    split_repeats,
)
from ioc_aggregator.domain.screening import refusal_code
from ioc_catalog.quality import FigureRules, Finding, figure_findings, needs_previous
from ioc_contracts import SeriesUpdated
from ioc_contracts.identity import event_key
from ioc_storage.identity import stored_contents

_OBSERVATION_COLUMNS = (
    "event_id",
    "observed_at",
    "indicator",
    "scope",
    "agency",
    "value",
    "numerator",
    "denominator",
    "reported_at",
    "received_at",
    "source",
    "note",
    "revised_at",
    "quality_flags",
)
_FIGURE_COLUMNS = (
    "indicator",
    "scope",
    "observed_at",
    "value",
    "numerator",
    "denominator",
    "agency",
    "event_id",
    "reported_at",
    "received_at",
    "revised_at",
    "quality_flags",
)
_ID_COLUMNS = ("agency", "event_id", "observed_at")

# The figure of record moves only to a newer revision; RETURNING names the figures that
# changed (a losing revision returns nothing).
_UPSERT_FIGURES = """
INSERT INTO ioc.figures AS f (indicator, scope, observed_at, value, numerator, denominator,
                              agency, event_id, reported_at, received_at, revised_at,
                              quality_flags)
SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::float8[], $5::float8[],
                     $6::float8[], $7::text[], $8::uuid[], $9::timestamptz[],
                     $10::timestamptz[], $11::timestamptz[], $12::jsonb[])
ORDER BY 1, 2, 3
ON CONFLICT (indicator, scope, observed_at) DO UPDATE
SET value = EXCLUDED.value, numerator = EXCLUDED.numerator,
    denominator = EXCLUDED.denominator, agency = EXCLUDED.agency,
    event_id = EXCLUDED.event_id, reported_at = EXCLUDED.reported_at,
    received_at = EXCLUDED.received_at, revised_at = EXCLUDED.revised_at,
    quality_flags = EXCLUDED.quality_flags
WHERE (f.revised_at, f.received_at, f.agency, f.event_id)
    < (EXCLUDED.revised_at, EXCLUDED.received_at, EXCLUDED.agency, EXCLUDED.event_id)
RETURNING f.indicator, f.scope, f.observed_at, f.value, f.numerator, f.denominator,
          f.event_id, f.agency
"""

# `<=`: only figures of record reach this statement, so a newer revision of the newest
# figure replaces it and an older figure never does. One row per series, in key order
# so two writers touching the same series cannot deadlock.
_UPSERT_LATEST = """
INSERT INTO ioc.latest_values AS latest (indicator, scope, observed_at, value, numerator,
                                         denominator, event_id, agency, updated_at)
SELECT *, now()
FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::float8[], $5::float8[],
            $6::float8[], $7::uuid[], $8::text[])
    AS c(indicator, scope, observed_at, value, numerator, denominator, event_id, agency)
ORDER BY indicator, scope
ON CONFLICT (indicator, scope) DO UPDATE
SET observed_at = EXCLUDED.observed_at, value = EXCLUDED.value,
    numerator = EXCLUDED.numerator, denominator = EXCLUDED.denominator,
    event_id = EXCLUDED.event_id, agency = EXCLUDED.agency, updated_at = now()
WHERE latest.observed_at <= EXCLUDED.observed_at
RETURNING latest.indicator, latest.scope, latest.observed_at, latest.value
"""

# For the series this batch added to without moving their latest value (a late figure
# or a losing revision): a statement of its own, so it sees what other writers committed.
_READ_LATEST = """
SELECT l.indicator, l.scope, l.observed_at, l.value
FROM ioc.latest_values l
JOIN unnest($1::text[], $2::text[]) AS s(indicator, scope)
  ON l.indicator = s.indicator AND l.scope = s.scope
"""

# The trusted figure of record just before each figure (flagged ones are not trusted).
_PREVIOUS_FIGURES = """
SELECT s.i, p.observed_at, p.value
FROM unnest($1::text[], $2::text[], $3::timestamptz[]) WITH ORDINALITY
    AS s(indicator, scope, observed_at, i)
CROSS JOIN LATERAL (
    SELECT f.observed_at, f.value FROM ioc.figures f
    WHERE f.indicator = s.indicator AND f.scope = s.scope AND f.observed_at < s.observed_at
      AND f.quality_flags = '[]'::jsonb
    ORDER BY f.observed_at DESC LIMIT 1
) p
"""


class FigureOfRecord(NamedTuple):
    """A figure whose record this batch set: what the latest values take from it."""

    indicator: str
    scope: str
    observed_at: datetime
    value: float
    numerator: float | None
    denominator: float | None
    event_id: UUID
    agency: str


@dataclass(frozen=True, slots=True)
class StoredBatch:
    inserted: list[StoredObservation]
    latest: list[LatestValue]
    refused: list[Refused] = field(default_factory=list)
    duplicates: int = 0
    flagged: list[Revision] = field(default_factory=list)
    updates: list[SeriesUpdated] = field(default_factory=list)
    # Outbox rows of `updates`, to forget once Kafka acknowledged them.
    announcement_ids: list[int] = field(default_factory=list)


def flags_json(flags: Sequence[Finding]) -> str:
    return json.dumps(
        [{"check": f.check.value, "reason": f.reason} for f in flags], ensure_ascii=False
    )


async def store_events(
    connection: asyncpg.Connection,
    items: Sequence[Accepted],
    *,
    rules: Mapping[str, FigureRules],
    received_at: datetime,
) -> StoredBatch:
    """Stores the accepted events of a batch, moves figures of record and latest values
    and records the batch's SeriesUpdated, all in one transaction."""
    async with connection.transaction():
        checked, stateful = await _check_against_previous(connection, list(items), rules)
        repeats = await _claim_ids(connection, checked)
        refused, stored_before = await _unless_stored(connection, stateful)
        revisions = [Revision(a.event, received_at, a.flags) for a in repeats.first]
        if revisions:
            await connection.copy_records_to_table(
                "observations",
                schema_name="ioc",
                columns=_OBSERVATION_COLUMNS,
                records=[_observation_row(r) for r in revisions],
            )
        latest = await _record_figures(connection, revisions)
        inserted = [
            StoredObservation(
                r.event.event_id,
                r.event.indicator,
                r.event.scope,
                r.event.observed_at,
                r.event.value,
            )
            for r in revisions
        ]
        updates = series_updates(inserted, latest, updated_at=received_at)
        announcement_ids = await record_announcements(connection, updates)
    return StoredBatch(
        inserted=inserted,
        latest=latest,
        refused=[*repeats.conflicts, *refused],
        duplicates=repeats.duplicates + stored_before,
        flagged=[r for r in revisions if r.flags],
        updates=updates,
        announcement_ids=announcement_ids,
    )


async def _check_against_previous(
    connection: asyncpg.Connection, items: list[Accepted], rules: Mapping[str, FigureRules]
) -> tuple[list[Accepted], list[tuple[Accepted, Refused]]]:
    """Runs the checks that need the figure before (only for indicators that have one),
    against the nearest earlier trusted figure, stored or in this batch."""
    indexed = [
        (i, a) for i, a in enumerate(items) if needs_previous(rules.get(a.event.indicator, _NONE))
    ]
    if not indexed:
        return items, []
    rows = await connection.fetch(
        _PREVIOUS_FIGURES,
        [a.event.indicator for _, a in indexed],
        [a.event.scope for _, a in indexed],
        [a.event.observed_at for _, a in indexed],
    )
    stored_previous = {indexed[row["i"] - 1][0]: (row["observed_at"], row["value"]) for row in rows}
    kept: list[Accepted] = []
    refused: list[tuple[Accepted, Refused]] = []
    checked = {i for i, _ in indexed}
    for i, item in enumerate(items):
        if i not in checked:
            kept.append(item)
            continue
        previous = _nearest_before(item, items, stored_previous.get(i))
        findings = figure_findings(
            rules[item.event.indicator], value=item.event.value, previous=previous
        )
        stateful = [f for f in findings if f.check.value in _STATEFUL]
        refusing = next((f for f in stateful if f.refuses), None)
        if refusing is not None:
            reason = f"value: {refusing.reason}"
            refused.append((item, Refused(item.record, refusal_code(refusing.check), reason)))
        else:
            kept.append(item._replace(flags=item.flags + tuple(stateful)))
    return kept, refused


_NONE = FigureRules()
_STATEFUL = {"counter_decrease", "jump"}


def _nearest_before(
    item: Accepted, batch: Sequence[Accepted], stored: tuple[datetime, float] | None
) -> float | None:
    best = stored
    event = item.event
    for other in batch:
        o = other.event
        if (
            o.indicator == event.indicator
            and o.scope == event.scope
            and o.observed_at < event.observed_at
            and not other.flags
            and (best is None or o.observed_at > best[0])
        ):
            best = (o.observed_at, o.value)
    return None if best is None else best[1]


async def _claim_ids(connection: asyncpg.Connection, items: list[Accepted]) -> Repeats:
    """Registers the batch's new event ids; returns the new events, how many repeat
    content stored before, and the refusals of those that repeat an id with other content."""
    repeats = split_repeats(items)
    try:
        async with connection.transaction():
            await _copy_ids(connection, repeats.first)
        return repeats
    except asyncpg.UniqueViolationError:
        pass  # at least one id is known: the savepoint undid the COPY
    stored = await stored_contents(connection, [event_key(a.event) for a in repeats.first])
    repeats = split_repeats(items, stored)
    # Another writer may register one of these ids meanwhile: the unique violation then
    # fails the transaction, and the batch is stored again one event at a time.
    await _copy_ids(connection, repeats.first)
    return repeats


async def _copy_ids(connection: asyncpg.Connection, items: Sequence[Accepted]) -> None:
    if items:
        await connection.copy_records_to_table(
            "event_ids",
            schema_name="ioc",
            columns=_ID_COLUMNS,
            records=[(a.event.agency, a.event.event_id, a.event.observed_at) for a in items],
        )


async def _unless_stored(
    connection: asyncpg.Connection, refused: list[tuple[Accepted, Refused]]
) -> tuple[list[Refused], int]:
    """A redelivered event that a check of its neighbours now refuses is still a duplicate:
    it is stored already, so it is not dead-lettered."""
    if not refused:
        return [], 0
    stored = await stored_contents(connection, [event_key(item.event) for item, _ in refused])
    kept = [letter for item, letter in refused if event_key(item.event) not in stored]
    return kept, len(refused) - len(kept)


def _observation_row(revision: Revision) -> tuple[object, ...]:
    event = revision.event
    return (
        event.event_id,
        event.observed_at,
        event.indicator,
        event.scope,
        event.agency,
        event.value,
        event.numerator,
        event.denominator,
        event.reported_at,
        revision.received_at,
        event.source,
        event.note,
        revision.revised_at,
        flags_json(revision.flags),
    )


def _figure_row(revision: Revision) -> tuple[object, ...]:
    event = revision.event
    return (
        event.indicator,
        event.scope,
        event.observed_at,
        event.value,
        event.numerator,
        event.denominator,
        event.agency,
        event.event_id,
        event.reported_at,
        revision.received_at,
        revision.revised_at,
        flags_json(revision.flags),
    )


async def _record_figures(
    connection: asyncpg.Connection, revisions: Sequence[Revision]
) -> list[LatestValue]:
    """Moves the figures of record and the latest values; returns the latest value of
    every series this batch added a revision to."""
    if not revisions:
        return []
    newest = newest_per_figure(revisions)
    rows = [_figure_row(r) for r in newest]
    try:
        async with connection.transaction():
            await connection.copy_records_to_table(
                "figures", schema_name="ioc", columns=_FIGURE_COLUMNS, records=rows
            )
        changed = [_of_record(r) for r in newest]
    except asyncpg.UniqueViolationError:
        # A revision of a figure already stored: the savepoint undid the COPY.
        upserted = await connection.fetch(_UPSERT_FIGURES, *zip(*rows, strict=True))
        changed = [FigureOfRecord(*r) for r in upserted]
    latest_rows: list[asyncpg.Record] = []
    candidates = _newest_per_series(changed)
    if candidates:
        latest_rows = list(await connection.fetch(_UPSERT_LATEST, *zip(*candidates, strict=True)))
    moved = {(r["indicator"], r["scope"]) for r in latest_rows}
    others = sorted({(r.event.indicator, r.event.scope) for r in revisions} - moved)
    if others:
        latest_rows += await connection.fetch(
            _READ_LATEST, [s[0] for s in others], [s[1] for s in others]
        )
    return [
        LatestValue(r["indicator"], r["scope"], r["observed_at"], r["value"]) for r in latest_rows
    ]


def _of_record(revision: Revision) -> FigureOfRecord:
    event = revision.event
    return FigureOfRecord(
        event.indicator,
        event.scope,
        event.observed_at,
        event.value,
        event.numerator,
        event.denominator,
        event.event_id,
        event.agency,
    )


def _newest_per_series(figures: Sequence[FigureOfRecord]) -> list[FigureOfRecord]:
    newest: dict[tuple[str, str], FigureOfRecord] = {}
    for figure in figures:
        key = (figure.indicator, figure.scope)
        current = newest.get(key)
        if current is None or figure.observed_at > current.observed_at:
            newest[key] = figure
    return [newest[key] for key in sorted(newest)]
