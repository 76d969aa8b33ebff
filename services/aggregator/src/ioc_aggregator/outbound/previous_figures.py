"""The trusted figure of record just before each figure of a batch, read in the batch's
transaction for the checks against the figure before (`domain/neighbours.py`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from ioc_aggregator.domain.records import Accepted
from ioc_storage.connection import Connection

# Flagged figures are not trusted.
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


async def previous_figures(
    connection: Connection, items: Sequence[Accepted]
) -> list[tuple[datetime, float] | None]:
    """For each item, the trusted figure of record just before it in its series."""
    found: list[tuple[datetime, float] | None] = [None] * len(items)
    if not items:
        return found
    rows = await connection.fetch(
        _PREVIOUS_FIGURES,
        [a.event.indicator for a in items],
        [a.event.scope for a in items],
        [a.event.observed_at for a in items],
    )
    for row in rows:
        found[row["i"] - 1] = (row["observed_at"], row["value"])
    return found
