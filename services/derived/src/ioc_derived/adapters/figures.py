"""The database side of derived figures: formulas in force, input figures of record,
lineage, and flags on published figures that disagree with their formula."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from ioc_catalog.derivation import (
    FORMULA_MISMATCH,
    DerivedFigure,
    DerivedIndicator,
    InputFigure,
    SeriesRef,
    resolve,
)
from ioc_contracts.catalog import Cadence, Formula, Unit
from ioc_storage.catalog_read import read_scope_history
from ioc_storage.connection import Connection


@dataclass(frozen=True, slots=True)
class RecordedFigure:
    """The figure of record of one series at one instant: who published it."""

    agency: str
    event_id: UUID
    value: float
    flagged: bool


async def read_formulas(connection: Connection) -> tuple[DerivedIndicator, ...]:
    rows = await connection.fetch(
        "SELECT code, unit, cadence, formula::text AS formula FROM ioc.indicators"
        " WHERE formula IS NOT NULL ORDER BY code"
    )
    agencies = await connection.fetch("SELECT code, kind FROM ioc.agencies ORDER BY code")
    groups = {
        "districts": tuple(r["code"] for r in agencies if r["kind"] == "district"),
        "departments": tuple(r["code"] for r in agencies if r["kind"] == "department"),
    }
    # Every district that ever existed; each figure sums those valid at its time.
    scopes = await read_scope_history(connection)
    return tuple(
        resolve(
            row["code"],
            Unit(row["unit"]),
            Cadence(row["cadence"]),
            Formula.model_validate_json(row["formula"]),
            groups,
            scopes=scopes,
        )
        for row in rows
    )


async def observed_moments(connection: Connection, event_ids: Sequence[UUID]) -> set[datetime]:
    """When the figures stored under these ids were observed (any agency's): the ids'
    register is keyed id first, so this is a look-up per id, not a scan of the ledger."""
    rows = await connection.fetch(
        "SELECT DISTINCT observed_at FROM ioc.event_ids WHERE event_id = ANY($1::uuid[])",
        list(event_ids),
    )
    return {row["observed_at"] for row in rows}


async def input_figures(
    connection: Connection,
    series: Iterable[SeriesRef],
    *,
    start: datetime,
    end: datetime,
) -> dict[SeriesRef, list[InputFigure]]:
    """Figures of record of `series` observed in [start, end)."""
    wanted = list(series)
    rows = await connection.fetch(
        """
        SELECT f.indicator, f.scope, f.observed_at, f.value, f.numerator, f.denominator,
               f.agency, f.event_id
          FROM ioc.figures f
          JOIN unnest($1::text[], $2::text[]) AS s(indicator, scope)
            ON s.indicator = f.indicator AND s.scope = f.scope
         WHERE f.observed_at >= $3 AND f.observed_at < $4
        """,
        [indicator for indicator, _ in wanted],
        [scope for _, scope in wanted],
        start,
        end,
    )
    found: dict[SeriesRef, list[InputFigure]] = {}
    for row in rows:
        figure = InputFigure(
            row["indicator"],
            row["scope"],
            row["observed_at"],
            row["value"],
            row["numerator"],
            row["denominator"],
            row["agency"],
            row["event_id"],
        )
        found.setdefault(figure.series, []).append(figure)
    return found


async def figure_of_record(
    connection: Connection, series: SeriesRef, observed_at: datetime
) -> RecordedFigure | None:
    row = await connection.fetchrow(
        "SELECT agency, event_id, value, quality_flags @> $4::jsonb AS flagged FROM ioc.figures"
        " WHERE indicator = $1 AND scope = $2 AND observed_at = $3",
        *series,
        observed_at,
        json.dumps([{"check": FORMULA_MISMATCH}]),
    )
    if row is None:
        return None
    return RecordedFigure(row["agency"], row["event_id"], row["value"], row["flagged"])


async def is_stored(connection: Connection, *, agency: str, event_id: UUID) -> bool:
    found: bool = await connection.fetchval(
        "SELECT EXISTS (SELECT 1 FROM ioc.event_ids WHERE agency = $1 AND event_id = $2)",
        agency,
        event_id,
    )
    return found


async def record_lineage(connection: Connection, figure: DerivedFigure) -> None:
    await connection.executemany(
        """
        INSERT INTO ioc.derived_lineage (event_id, indicator, scope, observed_at, value,
            input_indicator, input_scope, input_observed_at, input_agency, input_event_id,
            input_value)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
        ON CONFLICT DO NOTHING
        """,
        [
            (
                figure.event_id,
                figure.indicator,
                figure.scope,
                figure.observed_at,
                figure.value,
                source.indicator,
                source.scope,
                source.observed_at,
                source.agency,
                source.event_id,
                source.value,
            )
            for source in figure.inputs
        ],
    )


async def flag_disagreement(
    connection: Connection,
    *,
    published: RecordedFigure,
    derived: DerivedFigure,
    reason: str,
) -> bool:
    """Records the disagreement and flags the figure of record; False if already known."""
    async with connection.transaction():
        added = await connection.fetchval(
            """
            INSERT INTO ioc.formula_disagreements (agency, event_id, indicator, scope,
                observed_at, published, derived, derived_event_id, reason)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
            ON CONFLICT DO NOTHING RETURNING 1
            """,
            published.agency,
            published.event_id,
            derived.indicator,
            derived.scope,
            derived.observed_at,
            published.value,
            derived.value,
            derived.event_id,
            reason,
        )
        # Only while that revision is still the figure of record: a newer one has its own.
        await connection.execute(
            """
            UPDATE ioc.figures
               SET quality_flags = quality_flags || $5::jsonb
             WHERE indicator = $1 AND scope = $2 AND observed_at = $3 AND event_id = $4
               AND NOT quality_flags @> $6::jsonb
            """,
            derived.indicator,
            derived.scope,
            derived.observed_at,
            published.event_id,
            json.dumps([{"check": FORMULA_MISMATCH, "reason": reason}], ensure_ascii=False),
            json.dumps([{"check": FORMULA_MISMATCH}]),
        )
    return added is not None
