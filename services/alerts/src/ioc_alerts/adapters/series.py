"""Reads the recent figures of the series the alert service judges."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from ioc_alerts.domain.series import Observation
from ioc_contracts.topics import series_key
from ioc_storage.connection import Connection

# The figures of record (one per instant, the newest revision). A flagged figure is held
# for an operator's review: targets are judged on the trusted figures around it, so a
# flagged figure alone never raises an alert.
_RECENT_FIGURES = """
SELECT f.indicator, f.scope, f.observed_at, f.value
FROM ioc.figures f
JOIN unnest($1::text[], $2::text[]) AS s(indicator, scope)
  ON f.indicator = s.indicator AND f.scope = s.scope
WHERE f.observed_at >= $3 AND f.observed_at <= $4 AND f.quality_flags = '[]'::jsonb
ORDER BY f.indicator, f.scope, f.observed_at
"""


async def load_series(
    connection: Connection,
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
