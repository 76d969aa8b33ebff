"""Writes a batch of events to TimescaleDB in one transaction.

The insert takes the whole batch as arrays (one round trip, COPY-like speed) and
returns only the rows it really inserted: a redelivered event hits the
(event_id, observed_at) key and comes back as nothing, so it is neither stored
twice nor allowed to touch the latest-value table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg

from ioc_aggregator.domain.batch import LatestValue, StoredObservation, newest_per_series
from ioc_contracts import IndicatorEvent

_INSERT_OBSERVATIONS = """
INSERT INTO ioc.observations (event_id, observed_at, indicator, scope, agency, value,
                              numerator, denominator, reported_at, source, note)
SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::text[], $4::text[], $5::text[],
                     $6::float8[], $7::float8[], $8::float8[], $9::timestamptz[],
                     $10::text[], $11::text[])
ON CONFLICT DO NOTHING
RETURNING event_id, indicator, scope, observed_at, value
"""

# `<=`: a correction with a new event id and the same observed_at wins; an older
# figure never does. Only newly inserted rows reach this statement.
_UPSERT_LATEST = """
INSERT INTO ioc.latest_values AS latest (indicator, scope, observed_at, value, numerator,
                                         denominator, event_id, agency, updated_at)
SELECT i.indicator, i.scope, i.observed_at, o.value, o.numerator, o.denominator,
       i.event_id, o.agency, now()
FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::uuid[])
         AS i(indicator, scope, observed_at, event_id)
JOIN ioc.observations o ON o.event_id = i.event_id AND o.observed_at = i.observed_at
ON CONFLICT (indicator, scope) DO UPDATE
SET observed_at = EXCLUDED.observed_at, value = EXCLUDED.value,
    numerator = EXCLUDED.numerator, denominator = EXCLUDED.denominator,
    event_id = EXCLUDED.event_id, agency = EXCLUDED.agency, updated_at = now()
WHERE latest.observed_at <= EXCLUDED.observed_at
"""

_READ_LATEST = """
SELECT l.indicator, l.scope, l.observed_at, l.value
FROM ioc.latest_values l
JOIN unnest($1::text[], $2::text[]) AS s(indicator, scope)
  ON l.indicator = s.indicator AND l.scope = s.scope
"""


@dataclass(frozen=True, slots=True)
class StoredBatch:
    inserted: list[StoredObservation]
    latest: list[LatestValue]


def _columns(events: Sequence[IndicatorEvent]) -> list[list[object]]:
    return [
        [e.event_id for e in events],
        [e.observed_at for e in events],
        [e.indicator for e in events],
        [e.scope for e in events],
        [e.agency for e in events],
        [e.value for e in events],
        [e.numerator for e in events],
        [e.denominator for e in events],
        [e.reported_at for e in events],
        [e.source for e in events],
        [e.note for e in events],
    ]


async def store_events(
    connection: asyncpg.Connection, events: Sequence[IndicatorEvent]
) -> StoredBatch:
    """Stores `events` and refreshes the latest values, all in one transaction."""
    async with connection.transaction():
        rows = await connection.fetch(_INSERT_OBSERVATIONS, *_columns(events))
        inserted = [
            StoredObservation(
                r["event_id"], r["indicator"], r["scope"], r["observed_at"], r["value"]
            )
            for r in rows
        ]
        newest = newest_per_series(inserted)
        if not newest:
            return StoredBatch(inserted=[], latest=[])
        await connection.execute(
            _UPSERT_LATEST,
            [n.indicator for n in newest],
            [n.scope for n in newest],
            [n.observed_at for n in newest],
            [n.event_id for n in newest],
        )
        latest_rows = await connection.fetch(
            _READ_LATEST, [n.indicator for n in newest], [n.scope for n in newest]
        )
    latest = [
        LatestValue(r["indicator"], r["scope"], r["observed_at"], r["value"]) for r in latest_rows
    ]
    return StoredBatch(inserted=inserted, latest=latest)
