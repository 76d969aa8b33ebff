"""Reads the recent figures of the series the alert service judges."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

import asyncpg

from ioc_alerts.domain.series import Observation
from ioc_contracts.topics import series_key

# One figure per instant: a correction (a later event for the same observed_at)
# replaces the earlier one instead of counting twice in the pace fit.
_RECENT_FIGURES = """
SELECT DISTINCT ON (o.indicator, o.scope, o.observed_at)
       o.indicator, o.scope, o.observed_at, o.value
FROM ioc.observations o
JOIN unnest($1::text[], $2::text[]) AS s(indicator, scope)
  ON o.indicator = s.indicator AND o.scope = s.scope
WHERE o.observed_at >= $3 AND o.observed_at <= $4
ORDER BY o.indicator, o.scope, o.observed_at, o.received_at DESC
"""


async def load_series(
    connection: asyncpg.Connection,
    keys: Iterable[tuple[str, str]],
    *,
    since: datetime,
    until: datetime,
) -> dict[str, list[Observation]]:
    pairs = sorted(set(keys))
    rows = await connection.fetch(
        _RECENT_FIGURES, [p[0] for p in pairs], [p[1] for p in pairs], since, until
    )
    series: dict[str, list[Observation]] = defaultdict(list)
    for row in rows:
        series[series_key(row["indicator"], row["scope"])].append(
            Observation(row["observed_at"], row["value"])
        )
    return dict(series)
