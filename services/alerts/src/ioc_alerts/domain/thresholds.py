"""Floor, ceiling and rank targets: a line the series must stay on the right side of.

The kind says which side is good (a floor keeps at least the value, a ceiling and a
rank at most), whatever the indicator's direction says: "keep the backlog at most 50"
is a ceiling even on an indicator where more would be better.

At risk, chosen for a provincial IOC: on the good side, but either within one margin of
the line now, or within one margin of it (or across it) at the observed pace by the
horizon: the later of a month or one reporting period, so leaders hear of a slide
before the figure that breaks the line. The margin is 1% of the indicator's valid range
(one point for a percent), else 1% of the line, and one place for a rank. Across the
line is off track, however deep; the reason says where the trend is heading.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from ioc_alerts.domain import wording
from ioc_alerts.domain.assessment import Assessment
from ioc_alerts.domain.bands import THRESHOLD_SCALE
from ioc_alerts.domain.pace import eta, observed_rate, pace_half_life, pace_window, projected_value
from ioc_alerts.domain.series import Series
from ioc_contracts.catalog import Indicator, Language, Target, TargetKind
from ioc_contracts.status import RiskStatus

MARGIN_SHARE = 0.01
RANK_MARGIN = 1.0
MIN_HORIZON = timedelta(days=30)

_HEADLINES: dict[RiskStatus, tuple[str, str]] = {
    RiskStatus.ON_TRACK: ("Đạt yêu cầu", "Holding"),
    RiskStatus.AT_RISK: ("Sát ngưỡng", "At risk"),
}
_BREACHES: dict[TargetKind, tuple[str, str]] = {
    TargetKind.FLOOR: ("Dưới ngưỡng tối thiểu", "Below the floor"),
    TargetKind.CEILING: ("Vượt ngưỡng tối đa", "Above the ceiling"),
    TargetKind.RANK: ("Chưa đạt hạng mục tiêu", "Below the target rank"),
}


def good_side(kind: TargetKind) -> float:
    """+1 when values above the line are good (floor), -1 when below (ceiling, rank)."""
    return 1.0 if kind is TargetKind.FLOOR else -1.0


def margin(target: Target, indicator: Indicator) -> float:
    """How close to the line still counts as at risk, in the indicator's units."""
    if target.kind is TargetKind.RANK:
        return RANK_MARGIN
    low, high = indicator.min_value, indicator.max_value
    if low is not None and high is not None and high > low:
        return MARGIN_SHARE * (high - low)
    line = target.value or 0.0
    # A line at zero with no range to measure against: one unit is the only scale left.
    return MARGIN_SHARE * abs(line) if line else 1.0


def horizon(indicator: Indicator) -> timedelta:
    return max(MIN_HORIZON, indicator.cadence.interval())


def headroom(value: float, target: Target, indicator: Indicator) -> float:
    """Distance to the line on the good side, in margins (negative across the line).

    A value at the best end of the valid range has no room to slide closer from above,
    so it is infinitely safe: a floor of 100% held at 100% is on track, not at risk.
    """
    assert target.value is not None
    side = good_side(target.kind)
    room = side * (value - target.value)
    best = indicator.max_value if side > 0 else indicator.min_value
    if room >= 0 and best is not None and side * (value - best) >= 0:
        return math.inf
    return room / margin(target, indicator)


def assess_threshold(
    target: Target, indicator: Indicator, series: Series, *, now: datetime
) -> Assessment:
    """On a live (non-empty, not stale) series."""
    latest = series.latest
    assert latest is not None
    assert target.value is not None
    current, line = latest.value, target.value
    low, high = indicator.min_value, indicator.max_value
    rate = observed_rate(
        series,
        now=now,
        window=pace_window(indicator.cadence),
        half_life=pace_half_life(indicator.cadence),
    )
    position = headroom(current, target, indicator)
    ahead_at = now + horizon(indicator)
    projection = arrival = None
    if rate is not None:
        projection = projected_value(current, rate, now=now, at=ahead_at, minimum=low, maximum=high)
        arrival = eta(current, line, rate, now=now, minimum=low, maximum=high)
        if position >= 0:
            # Crossing the line ahead counts like touching it: at risk, not yet off track.
            position = min(position, max(headroom(projection, target, indicator), 0.0))
    status = THRESHOLD_SCALE.band(position)
    vi, en = _reasons(target, indicator, status, current, rate, arrival)
    return Assessment(
        status,
        vi,
        en,
        current_value=current,
        current_at=latest.observed_at,
        observed_rate=rate,
        projected_value=projection,
        projected_at=ahead_at if projection is not None else None,
        eta=arrival,
        position=position,
        scale=THRESHOLD_SCALE,
    )


def _reasons(
    target: Target,
    indicator: Indicator,
    status: RiskStatus,
    current: float,
    rate: float | None,
    arrival: datetime | None,
) -> tuple[str, str]:
    vi, en = Language.VI, Language.EN
    assert target.value is not None
    unit, line = indicator.unit, target.value
    head_vi, head_en = _HEADLINES.get(status) or _BREACHES[target.kind]
    if target.kind is TargetKind.FLOOR:
        limit_vi = f"tối thiểu {wording.quantity(line, unit, vi)}"
        limit_en = f"at least {wording.quantity(line, unit, en)}"
    elif target.kind is TargetKind.CEILING:
        limit_vi = f"tối đa {wording.quantity(line, unit, vi)}"
        limit_en = f"at most {wording.quantity(line, unit, en)}"
    else:
        limit_vi = f"mục tiêu từ hạng {wording.number(line, vi)} trở lên"
        limit_en = f"target: rank {wording.number(line, en)} or better"
    trend_vi = trend_en = ""
    if rate is not None:
        trend_vi = f"; xu hướng {wording.monthly_rate(rate, unit, vi)}"
        trend_en = f"; trend {wording.monthly_rate(rate, unit, en)}"
    if arrival is not None and status is not RiskStatus.ON_TRACK:
        if status is RiskStatus.OFF_TRACK:
            trend_vi += f", trở lại ngưỡng vào {wording.day(arrival, vi)}"
            trend_en += f", back at the line on {wording.day(arrival, en)}"
        else:
            trend_vi += f", chạm ngưỡng vào {wording.day(arrival, vi)}"
            trend_en += f", reaching the line on {wording.day(arrival, en)}"
    return (
        f"{head_vi}: {wording.quantity(current, unit, vi)} ({limit_vi}){trend_vi}.",
        f"{head_en}: {wording.quantity(current, unit, en)} ({limit_en}){trend_en}.",
    )
