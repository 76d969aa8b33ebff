"""The SQL of a chart of series over time: each series `s` rolled up over the dashboard's
interval by ioc.series_rollup, the rollup the alert service reads too.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

# The series' own name: its indicator and whose figures they are.
INDICATOR_AND_SCOPE = "s.indicator_name_vi || ' — ' || s.scope_name_vi"
# Per bucket, the last figure, the sum or the mean, as the catalog says per indicator.
AS_THE_CATALOG_SAYS = (
    "CASE s.rollup WHEN 'sum' THEN r.sum_value WHEN 'mean' THEN r.mean_value ELSE r.last_value END"
)


def rolled_up(
    *,
    series: str,
    metric: str = INDICATOR_AND_SCOPE,
    value: str = AS_THE_CATALOG_SAYS,
    where: Sequence[str] = (),
    with_query: str = "",
) -> str:
    """`time`, `metric`, `value` of every series in `series` (a table or a WITH query's
    name, with `indicator`, `scope` and the columns `metric` and `value` read), one
    condition of `where` a line."""
    lines = textwrap.dedent(with_query).strip().splitlines()
    lines += [
        "SELECT",
        '    r.bucket AS "time",',
        f"    {metric} AS metric,",
        f"    {value} AS value",
        f"FROM {series} s",
        "CROSS JOIN LATERAL ioc.series_rollup(",
        "    s.indicator, s.scope, '$__interval'::interval,"
        " $__timeFrom()::timestamptz, $__timeTo()::timestamptz",
        ") r",
    ]
    if where:
        lines.append("WHERE " + "\n  AND ".join(where))
    lines.append("ORDER BY 1")
    return "\n".join(lines)
