"""Grafana's time range arithmetic, as its PostgreSQL data source does it: a dashboard's
relative range (`now-5y`), the `$__interval` a panel gets (range / max data points, at
least the data source's minimum, rounded as gtime.RoundInterval rounds it), how Grafana
writes an interval (`1d`, `7d`) and a moment (RFC 3339, UTC) into SQL.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta


class ExpansionError(ValueError):
    """A query uses something Grafana would not expand (or these tests do not know)."""


_UNITS = {
    "s": timedelta(seconds=1),
    "m": timedelta(minutes=1),
    "h": timedelta(hours=1),
    "d": timedelta(days=1),
    "w": timedelta(weeks=1),
    "M": timedelta(days=30),
    "y": timedelta(days=365),
}
# Grafana's gtime.RoundInterval: upper bound of the raw interval -> interval used.
_ROUNDING_MS = [
    (10, 1), (15, 10), (35, 20), (75, 50), (150, 100), (350, 200), (750, 500),
    (1_500, 1_000), (3_500, 2_000), (7_500, 5_000), (12_500, 10_000), (17_500, 15_000),
    (25_000, 20_000), (45_000, 30_000), (90_000, 60_000), (210_000, 120_000),
    (450_000, 300_000), (750_000, 600_000), (1_050_000, 900_000), (1_500_000, 1_200_000),
    (2_700_000, 1_800_000), (5_400_000, 3_600_000), (9_000_000, 7_200_000),
    (16_200_000, 10_800_000), (32_400_000, 21_600_000), (86_400_000, 43_200_000),
    (172_800_000, 86_400_000), (604_800_000, 86_400_000), (1_814_400_000, 604_800_000),
]  # fmt: skip
_THIRTY_DAYS_MS, _YEAR_MS, _TWO_YEARS_BOUND_MS = 2_592_000_000, 31_536_000_000, 3_628_800_000


def relative_time(expression: str, now: datetime) -> datetime:
    """`now` or `now-5y` as in a dashboard's `time`; rounding (`/d`) is not used here."""
    match = re.fullmatch(r"now(?:-(\d+)([smhdwMy]))?", expression)
    if match is None:
        raise ExpansionError(f"time {expression!r}: only now and now-N<unit> are supported")
    if match[1] is None:
        return now
    return now - int(match[1]) * _UNITS[match[2]]


def round_interval(raw: timedelta) -> timedelta:
    milliseconds = raw / timedelta(milliseconds=1)
    for bound, rounded in _ROUNDING_MS:
        if milliseconds <= bound:
            return timedelta(milliseconds=rounded)
    if milliseconds < _TWO_YEARS_BOUND_MS:
        return timedelta(milliseconds=_THIRTY_DAYS_MS)
    return timedelta(milliseconds=_YEAR_MS)


def interval_text(interval: timedelta) -> str:
    """Grafana's FormatDuration: the largest whole unit, y, d, h, m, s or ms."""
    milliseconds = int(interval / timedelta(milliseconds=1))
    for unit, size in (
        ("y", _YEAR_MS),
        ("d", 86_400_000),
        ("h", 3_600_000),
        ("m", 60_000),
        ("s", 1_000),
    ):
        if milliseconds >= size:
            return f"{milliseconds // size}{unit}"
    return f"{max(milliseconds, 1)}ms"


def grafana_interval(
    start: datetime, end: datetime, *, max_data_points: int, minimum: timedelta
) -> timedelta:
    """The `$__interval` of a query: range / max data points, at least `minimum`, rounded."""
    return round_interval(max((end - start) / max_data_points, minimum))


def rfc3339(moment: datetime) -> str:
    """Go's time.RFC3339Nano in UTC, as Grafana writes the range into SQL."""
    text = moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f").rstrip("0").rstrip(".")
    return text + "Z"


def parse_duration(text: str) -> timedelta:
    """An interval as Grafana's gtime.ParseInterval reads it (after $__interval is expanded)."""
    match = re.fullmatch(r"(\d+)(ms|[smhdwMy])", text)
    if match is None:
        raise ExpansionError(f"error parsing interval {text}")
    if match[2] == "ms":
        return timedelta(milliseconds=int(match[1]))
    return int(match[1]) * _UNITS[match[2]]
