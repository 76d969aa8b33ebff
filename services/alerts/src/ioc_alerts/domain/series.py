"""Observations of one series (indicator + scope) as the risk rules read them."""

from __future__ import annotations

import math
import operator
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import islice

from ioc_alerts.domain.dates import require_aware

SERIES_HISTORY = timedelta(days=5 * 366)
"""How far back a target's series is read, for judging it and for drawing it in a
message: long enough for the slowest cadence's pace window (yearly series, four years)."""


@dataclass(frozen=True, slots=True)
class Observation:
    """One figure of a series and the instant it was true."""

    observed_at: datetime
    value: float

    def __post_init__(self) -> None:
        require_aware(self.observed_at, "observed_at")
        if not math.isfinite(self.value):
            raise ValueError(f"an observation value must be finite, got {self.value!r}")


class Series:
    """Observations in time order, all in UTC.

    Kept with parallel tuples of POSIX seconds and values because the pace fit runs
    over tens of thousands of series per scheduled pass; slicing by time is a bisect.
    Observations sharing an instant are all kept (in the order given): the storage key
    makes them distinct events, and the fit weighs them equally. A series made from
    columns (`from_columns`) builds its `Observation`s only when one is asked for: a
    scheduled pass reads hundreds of thousands of figures and looks at few of them.
    """

    __slots__ = ("_latest", "_observations", "_seconds", "_values")

    _latest: Observation | None  # once asked for
    _observations: tuple[Observation, ...] | None
    _seconds: tuple[float, ...]
    _values: tuple[float, ...]

    def __init__(self, observations: Iterable[Observation] = ()) -> None:
        in_utc = (
            item
            if item.observed_at.tzinfo is UTC
            else Observation(item.observed_at.astimezone(UTC), item.value)
            for item in observations
        )
        ordered = tuple(sorted(in_utc, key=_instant))
        self._observations = ordered
        self._latest = None
        self._seconds = tuple(item.observed_at.timestamp() for item in ordered)
        self._values = tuple(item.value for item in ordered)

    @classmethod
    def from_columns(cls, seconds: Iterable[float], values: Iterable[float]) -> Series:
        """The series of parallel POSIX seconds (UTC) and values, seconds ascending."""
        series = cls.__new__(cls)
        series._seconds = tuple(seconds)
        series._values = tuple(values)
        if len(series._seconds) != len(series._values):
            raise ValueError("seconds and values must be as many")
        # Compared in C (map over two views), not in a generator: a pass builds tens of
        # thousands of series from hundreds of thousands of figures.
        if not all(map(operator.le, series._seconds, islice(series._seconds, 1, None))):
            raise ValueError("seconds must be ascending")
        if not all(map(math.isfinite, series._values)):
            raise ValueError("an observation value must be finite")
        series._observations = series._latest = None
        return series

    @classmethod
    def of(cls, observations: Series | Iterable[Observation]) -> Series:
        """The series itself, or a new one built from loose observations."""
        return observations if isinstance(observations, Series) else cls(observations)

    @property
    def observations(self) -> tuple[Observation, ...]:
        if self._observations is None:
            self._observations = tuple(map(_observation, self._seconds, self._values))
        return self._observations

    @property
    def seconds(self) -> tuple[float, ...]:
        """POSIX seconds of each observation, ascending."""
        return self._seconds

    @property
    def values(self) -> tuple[float, ...]:
        return self._values

    @property
    def latest(self) -> Observation | None:
        # Every rule asks for it, some several times.
        if self._latest is None and self._seconds:
            self._latest = self._at(len(self._seconds) - 1)
        return self._latest

    def as_of(self, now: datetime) -> Series:
        """What was known at `now`: observations dated after it are left out."""
        end = bisect_right(self._seconds, require_aware(now).timestamp())
        return self._slice(0, end)

    def between(self, start: datetime, end: datetime) -> Series:
        """Observations with start <= observed_at <= end."""
        first = bisect_left(self._seconds, require_aware(start, "start").timestamp())
        last = bisect_right(self._seconds, require_aware(end, "end").timestamp())
        return self._slice(first, max(first, last))

    def at_or_before(self, instant: datetime) -> Observation | None:
        """The latest observation dated at or before `instant`."""
        index = bisect_right(self._seconds, require_aware(instant, "instant").timestamp())
        return self._at(index - 1) if index else None

    def _at(self, index: int) -> Observation:
        if self._observations is not None:
            return self._observations[index]
        return _observation(self._seconds[index], self._values[index])

    def _slice(self, first: int, last: int) -> Series:
        if first == 0 and last == len(self._seconds):
            return self
        part = Series.__new__(Series)
        observations = self._observations
        part._observations = None if observations is None else observations[first:last]
        part._latest = None
        part._seconds = self._seconds[first:last]
        part._values = self._values[first:last]
        return part

    def __len__(self) -> int:
        return len(self._seconds)

    def __iter__(self) -> Iterator[Observation]:
        return iter(self.observations)

    def __repr__(self) -> str:
        return f"Series({len(self)} observations, latest={self.latest!r})"


def _instant(observation: Observation) -> datetime:
    return observation.observed_at


def _observation(second: float, value: float) -> Observation:
    # Exact: before 2106 a POSIX float is off by under half a microsecond, which the
    # rounding of `fromtimestamp` undoes.
    return Observation(datetime.fromtimestamp(second, UTC), value)
