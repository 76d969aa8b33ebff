"""The pace a series keeps and the pace a deadline needs, in units per day.

Rates keep the indicator's own sign (a falling series has a negative rate) so they
read naturally next to its values; `toward_better` turns one into progress, positive
in the indicator's better direction.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime, timedelta

from ioc_alerts.domain.dates import SECONDS_PER_DAY, days_between, require_aware
from ioc_alerts.domain.series import Observation, Series
from ioc_contracts.catalog import Cadence, Direction

# A quarter is the shortest window that still smooths weekly noise while seeing a
# change of pace within the months a provincial deadline usually leaves. Four reporting
# periods is the fewest that give a slope worth trusting, which rules for slow series
# (a yearly rank looks back four years).
MIN_PACE_WINDOW = timedelta(days=90)
PACE_WINDOW_PERIODS = 4
# Half-life = window / 3: the oldest figure in the window still weighs 1/8 of the
# newest, so the latest report leads without one noisy figure swinging the slope.
HALF_LIVES_PER_WINDOW = 3

_LN2 = math.log(2.0)
# Beyond a century an arrival date says nothing a leader can act on (and would overflow
# datetime for tiny rates); it is reported as "not at this pace".
MAX_ETA = timedelta(days=36_525)


def pace_window(cadence: Cadence) -> timedelta:
    """How far back the observed rate looks: max(90 days, 4 reporting periods)."""
    return max(MIN_PACE_WINDOW, PACE_WINDOW_PERIODS * cadence.interval())


def pace_half_life(cadence: Cadence) -> timedelta:
    """Age at which an observation weighs half as much as one taken now."""
    return pace_window(cadence) / HALF_LIVES_PER_WINDOW


def direction_sign(direction: Direction) -> float:
    """+1 when higher is better, -1 when lower is better."""
    return 1.0 if direction is Direction.HIGHER_IS_BETTER else -1.0


def toward_better(rate: float, direction: Direction) -> float:
    """A rate (or difference) as progress: positive when it moves the better way."""
    return direction_sign(direction) * rate


def observed_rate(
    observations: Series | Iterable[Observation],
    *,
    now: datetime,
    window: timedelta,
    half_life: timedelta,
) -> float | None:
    """Slope of a recency-weighted least-squares line over [now - window, now].

    Weights halve every `half_life` of age. None when the window holds fewer than two
    distinct instants: one figure has no pace. Units per day.
    """
    if window <= timedelta(0) or half_life <= timedelta(0):
        raise ValueError("window and half_life must be positive")
    now = require_aware(now)
    recent = Series.of(observations).between(now - window, now)
    seconds, values = recent.seconds, recent.values
    if len(seconds) < 2 or seconds[0] == seconds[-1]:
        return None
    decay = _LN2 / (half_life.total_seconds() / SECONDS_PER_DAY)
    # Times in days before the latest figure and values relative to it: both near zero,
    # so the sums stay precise, and a flat series gives a slope of exactly 0. Weighing by
    # age from the latest figure rather than from `now` scales every weight by the same
    # factor, which the slope does not see; but the rounding then does not move with the
    # clock either, so the same figures give the same bits at every pass and a status
    # judged the same is not written again (adapters/alerts/store.py).
    latest_second, anchor = seconds[-1], values[-1]
    points = [
        ((second - latest_second) / SECONDS_PER_DAY, value - anchor)
        for second, value in zip(seconds, values, strict=True)
    ]
    weights = [math.exp(decay * day) for day, _ in points]
    total = math.fsum(weights)
    mean_day = math.fsum(w * day for w, (day, _) in zip(weights, points, strict=True)) / total
    mean_value = math.fsum(w * v for w, (_, v) in zip(weights, points, strict=True)) / total
    spread = 0.0
    covariance = 0.0
    for weight, (day, value) in zip(weights, points, strict=True):
        offset = day - mean_day
        spread += weight * offset * offset
        covariance += weight * offset * (value - mean_value)
    return covariance / spread if spread > 0.0 else None


def two_point_rate(
    earlier: float, earlier_at: datetime, later: float, later_at: datetime
) -> float | None:
    """Average rate between two figures (a baseline and the only observation)."""
    days = days_between(earlier_at, later_at)
    return (later - earlier) / days if days > 0 else None


_SMALLEST = math.ulp(0.0)  # 5e-324, the smallest positive float


def required_rate(
    current: float, target: float, *, now: datetime, deadline: datetime
) -> float | None:
    """(target - current) / days left: the constant pace that lands on the target.

    None once the deadline has come: no pace can still help.
    """
    days_left = days_between(require_aware(now), require_aware(deadline, "deadline"))
    if days_left <= 0:
        return None
    gap = target - current
    rate = gap / days_left
    if rate == 0 and gap != 0:
        # A gap too small for its daily share to be a float (it underflows to zero): the
        # smallest float of the gap's sign still says which way to go, and no pace is
        # ever divided by zero.
        return math.copysign(_SMALLEST, gap)
    return rate


def clamp(value: float, minimum: float | None, maximum: float | None) -> float:
    """The value pulled into the indicator's valid range (a percent stops at 100)."""
    if maximum is not None and value > maximum:
        return maximum
    if minimum is not None and value < minimum:
        return minimum
    return value


def projected_value(
    current: float,
    rate: float,
    *,
    now: datetime,
    at: datetime,
    minimum: float | None = None,
    maximum: float | None = None,
) -> float:
    """The value at `at` if the series keeps `rate` from `current` now, within range.

    Projects from now, like the required rate, so that "projected at or beyond the
    target" and "R >= 1" always agree.
    """
    days = days_between(require_aware(now), require_aware(at, "at"))
    return clamp(current + rate * days, minimum, maximum)


def eta(
    current: float,
    target: float,
    rate: float,
    *,
    now: datetime,
    minimum: float | None = None,
    maximum: float | None = None,
) -> datetime | None:
    """When the series, keeping `rate` from `current` now, reaches `target`.

    None when it never does at this pace: the rate is zero or points away, the target
    lies outside the valid range, or the date is more than a century away.
    """
    now = require_aware(now)
    gap = target - current
    if gap == 0.0:
        return now
    if clamp(target, minimum, maximum) != target or rate == 0.0 or (gap > 0) != (rate > 0):
        return None
    days = gap / rate
    if days > MAX_ETA / timedelta(days=1):
        return None
    return now + timedelta(days=days)
