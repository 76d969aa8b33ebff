"""Where catalog dates meet instants: a target's dates are days in Bình Dương.

Vietnam's clock is the contracts' one `VIETNAM_TIME` (UTC+7, no daylight saving since 1975).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from ioc_contracts.types import VIETNAM_TIME

SECONDS_PER_DAY = 86_400.0


def require_aware(instant: datetime, name: str = "now") -> datetime:
    """The instant in UTC; a naive datetime is refused rather than guessed."""
    if instant.tzinfo is UTC:
        return instant  # most instants, several times per target in a pass
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {instant!r}")
    return instant.astimezone(UTC)


def start_of_day(day: date) -> datetime:
    """Midnight at the start of `day` in Vietnam, as a UTC instant."""
    return datetime.combine(day, time(), VIETNAM_TIME).astimezone(UTC)


def deadline_instant(day: date) -> datetime:
    """The end of the deadline day in Vietnam: "by 30/9/2023" includes all of 30/9."""
    return start_of_day(day + timedelta(days=1))


def days_between(start: datetime, end: datetime) -> float:
    """Length of [start, end] in days, as a float (negative when end is earlier)."""
    return (end - start).total_seconds() / SECONDS_PER_DAY
