"""The figures of record and the latest values, moved by a batch's new revisions.

The newest revision of each figure goes into `ioc.figures` by COPY, or, when the figure
exists already (a revision), by an upsert that keeps the newer one in revision order
(`domain/revisions.py`). The latest values follow the figures of record this batch
changed, never a revision that lost, so a replayed or late revision cannot move them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple, Protocol, TypeVar
from uuid import UUID

import asyncpg
import msgspec

from ioc_aggregator.domain.batch import LatestValue
from ioc_aggregator.domain.revisions import FigureKey, Revision, newest_per_figure
from ioc_aggregator.outbound.copy_rows import FIGURE_COLUMNS, CopyEncoder, flags_json, payload
from ioc_storage.connection import Connection


class _HasFigure(Protocol):
    @property
    def figure(self) -> FigureKey: ...


_Figure = TypeVar("_Figure", bound=_HasFigure)

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
UPSERT_LATEST = """
INSERT INTO ioc.latest_values AS latest (indicator, scope, observed_at, value, numerator,
                                         denominator, event_id, agency, updated_at)
SELECT c->>0, c->>1, (c->>2)::timestamptz, (c->>3)::float8, (c->>4)::float8,
       (c->>5)::float8, (c->>6)::uuid, c->>7, now()
FROM jsonb_array_elements($1::jsonb) AS c
ORDER BY 1, 2
ON CONFLICT (indicator, scope) DO UPDATE
SET observed_at = EXCLUDED.observed_at, value = EXCLUDED.value,
    numerator = EXCLUDED.numerator, denominator = EXCLUDED.denominator,
    event_id = EXCLUDED.event_id, agency = EXCLUDED.agency, updated_at = now()
WHERE latest.observed_at <= EXCLUDED.observed_at
RETURNING latest.indicator, latest.scope, latest.observed_at, latest.value
"""
# The candidates as one JSON array of rows: asyncpg encodes eight arrays element by
# element (an abstract-class check per element), a third of the store step's CPU when
# a batch has few events per series; msgspec writes the rows in one call. JSON keeps
# every float exactly (shortest round-trip digits) and every instant to the microsecond,
# but for the sign of a zero: jsonb's numbers are numeric, which has no -0 (-0.0 == 0.0
# for every reader; the figure of record keeps it). Measured against `json` objects
# (`json_to_recordset`) and `json` arrays, jsonb arrays cost both sides least.
_LATEST_ROWS = msgspec.json.Encoder()

# For the series this batch added to without moving their latest value (a late figure
# or a losing revision): a statement of its own, so it sees what other writers committed.
_READ_LATEST = """
SELECT l.indicator, l.scope, l.observed_at, l.value
FROM ioc.latest_values l
JOIN unnest($1::text[], $2::text[]) AS s(indicator, scope)
  ON l.indicator = s.indicator AND l.scope = s.scope
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

    @property
    def figure(self) -> FigureKey:
        return (self.indicator, self.scope, self.observed_at)


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


async def record_figures(
    connection: Connection, revisions: Sequence[Revision], encoder: CopyEncoder
) -> list[LatestValue]:
    """Moves the figures of record and the latest values; returns the latest value of
    every series this batch added a revision to. Runs in the caller's transaction."""
    if not revisions:
        return []
    newest = newest_per_figure(revisions)
    # Never released: the commit does it (a RELEASE is one more round trip per batch).
    await connection.execute("SAVEPOINT figures")
    try:
        await connection.copy_to_table(
            "figures",
            schema_name="ioc",
            columns=FIGURE_COLUMNS,
            source=payload(encoder.revision(r)[1] for r in newest),
            format="binary",
        )
        # Every figure is of record now; only the newest of each series moves its latest
        # value, so only those are turned into records.
        candidates = [_of_record(r) for r in _newest_per_series(newest)]
        # Every series of the batch has its newest figure among the candidates.
        touched = {(c.indicator, c.scope) for c in candidates}
    except asyncpg.UniqueViolationError:
        # A revision of a figure already stored: the COPY is undone, the upsert decides.
        await connection.execute("ROLLBACK TO SAVEPOINT figures")
        rows = [_figure_row(r) for r in newest]
        upserted = await connection.fetch(_UPSERT_FIGURES, *zip(*rows, strict=True))
        changed = [FigureOfRecord(*r) for r in upserted]
        candidates = _newest_per_series(changed)
        touched = {(r.event.indicator, r.event.scope) for r in revisions}
    latest_rows: list[asyncpg.Record] = []
    if candidates:
        latest_rows = await upsert_latest_values(connection, candidates)
    moved = {(r["indicator"], r["scope"]) for r in latest_rows}
    others = sorted(touched - moved)
    if others:
        latest_rows += await connection.fetch(
            _READ_LATEST, [s[0] for s in others], [s[1] for s in others]
        )
    return [
        LatestValue(r["indicator"], r["scope"], r["observed_at"], r["value"]) for r in latest_rows
    ]


async def upsert_latest_values(
    connection: Connection, candidates: Sequence[FigureOfRecord]
) -> list[asyncpg.Record]:
    """Moves the latest value of each candidate's series to it unless a newer one is
    stored; returns the rows it moved. One candidate per series, in series order."""
    return list(await connection.fetch(UPSERT_LATEST, _LATEST_ROWS.encode(candidates).decode()))


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


def _newest_per_series(figures: Sequence[_Figure]) -> list[_Figure]:
    """The newest figure of each series, in series order (the latest-values upsert takes
    its rows in key order, so two writers cannot deadlock)."""
    newest: dict[tuple[str, str], tuple[datetime, _Figure]] = {}
    for figure in figures:
        indicator, scope, observed_at = figure.figure
        key = (indicator, scope)
        current = newest.get(key)
        if current is None or observed_at > current[0]:
            newest[key] = (observed_at, figure)
    return [newest[key][1] for key in sorted(newest)]
