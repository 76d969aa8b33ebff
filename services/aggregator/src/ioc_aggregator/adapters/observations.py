"""Writes a batch of events to TimescaleDB in one transaction.

New events, the usual case, go in by binary COPY, the fastest way PostgreSQL takes
rows. COPY has no ON CONFLICT, so a batch holding an event already stored (a
redelivery, or an event resent with its id) fails its COPY on the (event_id,
observed_at) key; the transaction is rolled back (the COPY is its first statement, so
nothing else is lost) and the batch is inserted in a new one with `ON CONFLICT DO
NOTHING RETURNING`, which returns only the rows it really inserted. Either way a
duplicate is neither stored twice nor allowed to touch the latest-value table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast
from uuid import UUID

import asyncpg

from ioc_aggregator.domain.batch import LatestValue, StoredObservation, newest_per_series
from ioc_contracts import IndicatorEvent

_COLUMNS = (
    "event_id",
    "observed_at",
    "indicator",
    "scope",
    "agency",
    "value",
    "numerator",
    "denominator",
    "reported_at",
    "source",
    "note",
)

_INSERT_OBSERVATIONS = """
INSERT INTO ioc.observations (event_id, observed_at, indicator, scope, agency, value,
                              numerator, denominator, reported_at, source, note)
SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::text[], $4::text[], $5::text[],
                     $6::float8[], $7::float8[], $8::float8[], $9::timestamptz[],
                     $10::text[], $11::text[])
ON CONFLICT DO NOTHING
RETURNING event_id, observed_at, indicator, scope, agency, value, numerator, denominator
"""

# `<=`: a correction with a new event id and the same observed_at wins; an older
# figure never does. Only newly inserted rows reach this statement, one per series,
# in key order so two writers touching the same series cannot deadlock.
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

# For the series whose stored latest value is newer than anything this batch added
# (a late figure): a statement of its own, so it sees what other writers committed.
_READ_LATEST = """
SELECT l.indicator, l.scope, l.observed_at, l.value
FROM ioc.latest_values l
JOIN unnest($1::text[], $2::text[]) AS s(indicator, scope)
  ON l.indicator = s.indicator AND l.scope = s.scope
"""

# What the batch stored of each new row: the columns the latest values need.
NewRow = tuple[UUID, datetime, str, str, str, float, float | None, float | None]


@dataclass(frozen=True, slots=True)
class StoredBatch:
    inserted: list[StoredObservation]
    latest: list[LatestValue]


def _row(event: IndicatorEvent) -> tuple[object, ...]:
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
        event.source,
        event.note,
    )


class _AlreadyStoredError(Exception):
    """The batch holds at least one event stored before."""


async def store_events(
    connection: asyncpg.Connection, events: Sequence[IndicatorEvent]
) -> StoredBatch:
    """Stores `events` and refreshes the latest values, all in one transaction."""
    rows = [_row(e) for e in events]
    try:
        async with connection.transaction():
            try:
                await connection.copy_records_to_table(
                    "observations", schema_name="ioc", columns=_COLUMNS, records=rows
                )
            except asyncpg.UniqueViolationError as error:
                raise _AlreadyStoredError from error  # nothing else was written: roll back
            return await _refresh_latest(connection, [cast(NewRow, r[:8]) for r in rows])
    except _AlreadyStoredError:
        pass
    async with connection.transaction():
        inserted = await connection.fetch(_INSERT_OBSERVATIONS, *zip(*rows, strict=True))
        return await _refresh_latest(connection, [cast(NewRow, tuple(r)) for r in inserted])


async def _refresh_latest(connection: asyncpg.Connection, new: list[NewRow]) -> StoredBatch:
    """Moves the latest value of each series the new rows touched; returns both."""
    inserted = [StoredObservation(r[0], r[2], r[3], r[1], r[5]) for r in new]
    newest = {id(n) for n in newest_per_series(inserted)}
    if not newest:
        return StoredBatch(inserted=[], latest=[])
    candidates = [
        (r[2], r[3], r[1], r[5], r[6], r[7], r[0], r[4])
        for r, stored in zip(new, inserted, strict=True)
        if id(stored) in newest
    ]
    rows = list(await connection.fetch(_UPSERT_LATEST, *zip(*candidates, strict=True)))
    upserted = {(r["indicator"], r["scope"]) for r in rows}
    older = [c for c in candidates if (c[0], c[1]) not in upserted]
    if older:
        rows += await connection.fetch(_READ_LATEST, [c[0] for c in older], [c[1] for c in older])
    latest = [LatestValue(r["indicator"], r["scope"], r["observed_at"], r["value"]) for r in rows]
    return StoredBatch(inserted=inserted, latest=latest)
