"""Deadline targets: the pace a series keeps against the pace it needs (DESIGN.md).

R = observed rate / required rate. While the target is still ahead, the required rate
points the better way, so R is positive exactly when the series moves the better way:
the sign convention of DESIGN.md holds for lower-is-better indicators with no extra
sign flip.

"Current" is the latest figure, taken as still true now: the required rate, the
projection and the arrival date all run from now, so progress nobody has reported yet
is not assumed, and a week without a report raises the pace needed.

With one figure the pace is unknown. A second figure is borrowed when there is one
(see `_pace`); otherwise the target is at risk with no ratio: a leader should hear that
a target is unmeasured rather than be told it is on track, and "at risk" is the mildest
status that says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ioc_alerts.domain import wording
from ioc_alerts.domain.assessment import Assessment
from ioc_alerts.domain.bands import PACE_SCALE
from ioc_alerts.domain.dates import start_of_day
from ioc_alerts.domain.pace import (
    direction_sign,
    eta,
    observed_rate,
    pace_half_life,
    pace_window,
    projected_value,
    required_rate,
    two_point_rate,
)
from ioc_alerts.domain.series import Series
from ioc_contracts.catalog import Indicator, Language, Target
from ioc_contracts.status import RiskStatus
from ioc_contracts.types import VIETNAM_TIME

_HEADLINES: dict[RiskStatus, tuple[str, str]] = {
    RiskStatus.ON_TRACK: ("Đúng tiến độ", "On track"),
    RiskStatus.AT_RISK: ("Có nguy cơ không đạt", "At risk"),
    RiskStatus.OFF_TRACK: ("Chậm tiến độ", "Off track"),
    RiskStatus.DETERIORATING: ("Diễn biến ngược chiều mục tiêu", "Deteriorating"),
}


@dataclass(frozen=True, slots=True)
class _Pace:
    rate: float
    from_two_figures: bool


# A pace over a gap too small to share out (see `required_rate`) is infinitely many times
# the one needed: bounded, so R stays a number a reason, a status row and a JSON answer
# can hold. Far beyond every band (on track from 0.95).
RATIO_LIMIT = 1e6


def reached(value: float, goal: float, indicator: Indicator) -> bool:
    """At or beyond the goal in the indicator's better direction."""
    return direction_sign(indicator.direction) * (value - goal) >= 0


def deadline_verdict(
    target: Target, indicator: Indicator, series: Series, *, due: datetime
) -> Assessment:
    """After the deadline: the figure standing at the deadline decides, once and for all.

    A late report dated before the deadline still counts (re-evaluation picks it up);
    a figure dated after the deadline does not turn a missed target into an achieved one.
    """
    goal, deadline = _goal(target), target.deadline
    assert deadline is not None
    standing = series.at_or_before(due)
    vi, en = Language.VI, Language.EN
    due_vi, due_en = wording.day(deadline, vi), wording.day(deadline, en)
    goal_vi, goal_en = (wording.quantity(goal, indicator.unit, lang) for lang in (vi, en))
    if standing is None:
        return Assessment(
            status=RiskStatus.MISSED,
            reason_vi=f"Không đạt chỉ tiêu: không có số liệu nào trước hạn {due_vi} "
            f"(mục tiêu {goal_vi}).",
            reason_en=f"Missed: no figure was reported by the deadline {due_en} "
            f"(target {goal_en}).",
        )
    value_vi, value_en = (
        wording.quantity(standing.value, indicator.unit, lang) for lang in (vi, en)
    )
    if reached(standing.value, goal, indicator):
        status = RiskStatus.ACHIEVED
        reason_vi = f"Đã đạt chỉ tiêu: đến hạn {due_vi} đạt {value_vi} (mục tiêu {goal_vi})."
        reason_en = f"Achieved: {value_en} at the deadline {due_en} (target {goal_en})."
    else:
        status = RiskStatus.MISSED
        reason_vi = f"Không đạt chỉ tiêu: đến hạn {due_vi} chỉ đạt {value_vi} (mục tiêu {goal_vi})."
        reason_en = f"Missed: {value_en} at the deadline {due_en}, against a target of {goal_en}."
    return Assessment(
        status=status,
        reason_vi=reason_vi,
        reason_en=reason_en,
        current_value=standing.value,
        current_at=standing.observed_at,
    )


def assess_pace(
    target: Target, indicator: Indicator, series: Series, *, now: datetime, due: datetime
) -> Assessment:
    """Before the deadline, on a live (non-empty, not stale) series."""
    latest = series.latest
    assert latest is not None
    goal, current, at = _goal(target), latest.value, latest.observed_at
    if reached(current, goal, indicator):
        vi, en = _achieved_reasons(target, indicator, current)
        return Assessment(RiskStatus.ACHIEVED, vi, en, current_value=current, current_at=at)
    needed = required_rate(current, goal, now=now, deadline=due)
    assert needed is not None  # now is before the deadline
    pace = _pace(target, indicator, series, now=now)
    if pace is None:
        vi, en = _one_figure_reasons(target, indicator, current, needed)
        return Assessment(
            RiskStatus.AT_RISK, vi, en, current_value=current, current_at=at, required_rate=needed
        )
    ratio = max(-RATIO_LIMIT, min(RATIO_LIMIT, pace.rate / needed))
    status = PACE_SCALE.band(ratio)
    low, high = indicator.min_value, indicator.max_value
    projection = projected_value(current, pace.rate, now=now, at=due, minimum=low, maximum=high)
    arrival = eta(current, goal, pace.rate, now=now, minimum=low, maximum=high)
    vi, en = _pace_reasons(
        target, indicator, status, current, pace, needed, ratio, projection, arrival
    )
    return Assessment(
        status,
        vi,
        en,
        current_value=current,
        current_at=at,
        ratio=ratio,
        observed_rate=pace.rate,
        required_rate=needed,
        projected_value=projection,
        projected_at=due,
        eta=arrival,
        position=ratio,
        scale=PACE_SCALE,
    )


def _goal(target: Target) -> float:
    assert target.value is not None  # the catalog model requires it for deadline targets
    return target.value


def _pace(target: Target, indicator: Indicator, series: Series, *, now: datetime) -> _Pace | None:
    """The observed rate; with one figure in the window, the rate from a second figure.

    The second figure is the last one before the window (a series that paused and
    resumed), else the target's baseline when it is dated on an earlier day. Either is
    a plain two-point average: a weaker estimate, said so in the reason.
    """
    window = pace_window(indicator.cadence)
    half_life = pace_half_life(indicator.cadence)
    rate = observed_rate(series, now=now, window=window, half_life=half_life)
    if rate is not None:
        return _Pace(rate, from_two_figures=False)
    latest = series.latest
    assert latest is not None
    earlier = series.at_or_before(now - window)
    baseline = target.baseline
    if earlier is not None and earlier.observed_at < latest.observed_at:
        rate = two_point_rate(earlier.value, earlier.observed_at, latest.value, latest.observed_at)
    elif baseline is not None and baseline.at < latest.observed_at.astimezone(VIETNAM_TIME).date():
        since = start_of_day(baseline.at)
        rate = two_point_rate(baseline.value, since, latest.value, latest.observed_at)
    return None if rate is None else _Pace(rate, from_two_figures=True)


def _achieved_reasons(target: Target, indicator: Indicator, current: float) -> tuple[str, str]:
    vi, en = Language.VI, Language.EN
    unit, goal, deadline = indicator.unit, _goal(target), target.deadline
    assert deadline is not None
    return (
        f"Đã đạt chỉ tiêu: hiện đạt {wording.quantity(current, unit, vi)} "
        f"(mục tiêu {wording.quantity(goal, unit, vi)} trước {wording.day(deadline, vi)}).",
        f"Target reached: {wording.quantity(current, unit, en)} now "
        f"(target {wording.quantity(goal, unit, en)} by {wording.day(deadline, en)}).",
    )


def _one_figure_reasons(
    target: Target, indicator: Indicator, current: float, needed: float
) -> tuple[str, str]:
    vi, en = Language.VI, Language.EN
    unit, goal, deadline = indicator.unit, _goal(target), target.deadline
    assert deadline is not None
    return (
        f"Có nguy cơ không đạt: mới có một số liệu ({wording.quantity(current, unit, vi)}), "
        f"chưa tính được tốc độ; cần {wording.monthly_rate(needed, unit, vi)} để đạt "
        f"{wording.quantity(goal, unit, vi)} trước {wording.day(deadline, vi)}.",
        f"At risk: only one figure so far ({wording.quantity(current, unit, en)}), so the "
        f"pace is unknown; {wording.monthly_rate(needed, unit, en)} is needed to reach "
        f"{wording.quantity(goal, unit, en)} by {wording.day(deadline, en)}.",
    )


def _pace_reasons(
    target: Target,
    indicator: Indicator,
    status: RiskStatus,
    current: float,
    pace: _Pace,
    needed: float,
    ratio: float,
    projection: float,
    arrival: datetime | None,
) -> tuple[str, str]:
    vi, en = Language.VI, Language.EN
    unit, goal, deadline = indicator.unit, _goal(target), target.deadline
    assert deadline is not None
    head_vi, head_en = _HEADLINES[status]
    note_vi = " (ước từ hai số liệu)" if pace.from_two_figures else ""
    note_en = " (estimated from two figures)" if pace.from_two_figures else ""
    if arrival is None:
        arrival_vi = ", với tốc độ này không đạt mục tiêu"
        arrival_en = ", never reaching the target at this pace"
    else:
        arrival_vi = f", đạt mục tiêu vào {wording.day(arrival, vi)}"
        arrival_en = f", reaching the target on {wording.day(arrival, en)}"
    return (
        f"{head_vi}: hiện đạt {wording.quantity(current, unit, vi)}, tốc độ "
        f"{wording.monthly_rate(pace.rate, unit, vi)}{note_vi}, cần "
        f"{wording.monthly_rate(needed, unit, vi)} để đạt {wording.quantity(goal, unit, vi)} "
        f"trước {wording.day(deadline, vi)} (R = {wording.number(ratio, vi)}); dự kiến "
        f"{wording.quantity(projection, unit, vi)} khi đến hạn{arrival_vi}.",
        f"{head_en}: {wording.quantity(current, unit, en)} now, pace "
        f"{wording.monthly_rate(pace.rate, unit, en)}{note_en} against "
        f"{wording.monthly_rate(needed, unit, en)} needed to reach "
        f"{wording.quantity(goal, unit, en)} by {wording.day(deadline, en)} "
        f"(R = {wording.number(ratio, en)}); projected {wording.quantity(projection, unit, en)} "
        f"at the deadline{arrival_en}.",
    )
