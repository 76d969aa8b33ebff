"""Deadline targets: the pace bands' edges, and properties over generated straight lines."""

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ioc_alerts.domain import PACE_SCALE, Observation, assess
from ioc_alerts.domain.dates import deadline_instant
from ioc_contracts.catalog import Direction, Indicator, Target, TargetKind
from ioc_contracts.status import RiskStatus
from ioc_contracts.types import VIETNAM_TIME

MakeIndicator = Callable[..., Indicator]
MakeTarget = Callable[..., Target]
MakeLine = Callable[..., list[Observation]]

DEADLINE = TargetKind.DEADLINE
NOW = datetime(2023, 7, 1, tzinfo=UTC)
WEEK = timedelta(weeks=1)


# --- the bands' edges -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ratio", "status"),
    [
        (0.95, RiskStatus.ON_TRACK),
        (0.9499999999, RiskStatus.AT_RISK),
        (0.60, RiskStatus.AT_RISK),
        (0.5999999999, RiskStatus.OFF_TRACK),
        (0.0, RiskStatus.OFF_TRACK),
        (-1e-12, RiskStatus.DETERIORATING),
        (12.0, RiskStatus.ON_TRACK),
    ],
)
def test_pace_band_edges(ratio: float, status: RiskStatus) -> None:
    assert PACE_SCALE.band(ratio) is status


@pytest.mark.parametrize(
    ("ratio", "status"),
    [
        (0.96, RiskStatus.ON_TRACK),
        (0.94, RiskStatus.AT_RISK),
        (0.61, RiskStatus.AT_RISK),
        (0.59, RiskStatus.OFF_TRACK),
        (0.01, RiskStatus.OFF_TRACK),
        (-0.01, RiskStatus.DETERIORATING),
    ],
)
def test_assessed_ratio_falls_in_its_band(
    make_indicator: MakeIndicator,
    make_target: MakeTarget,
    make_line: MakeLine,
    ratio: float,
    status: RiskStatus,
) -> None:
    indicator = make_indicator()
    deadline = date(2023, 8, 31)
    target = make_target(DEADLINE, 100, indicator=indicator, deadline=deadline)
    needed = (100 - 40) / ((deadline_instant(deadline) - NOW) / timedelta(days=1))
    pace = ratio * needed
    figures = make_line(NOW - 8 * WEEK, 40.0 - pace * 56, per_day=pace, every=WEEK, count=9)

    result = assess(target, indicator, figures, now=NOW)

    assert result.ratio == pytest.approx(ratio)
    assert result.status is status
    assert result.position == result.ratio
    assert result.scale is PACE_SCALE


# --- properties ---------------------------------------------------------------------------


@given(
    direction=st.sampled_from(Direction),
    start=st.floats(min_value=0, max_value=90),
    pace=st.floats(min_value=0.01, max_value=3),
    step_days=st.integers(min_value=1, max_value=7),
    count=st.integers(min_value=2, max_value=12),
    share_of_rest=st.floats(min_value=0.0, max_value=1.0),
    spare_days=st.integers(min_value=0, max_value=400),
)
def test_a_straight_improving_line_that_arrives_in_time_is_on_track_or_achieved(
    make_indicator: MakeIndicator,
    make_target: MakeTarget,
    direction: Direction,
    start: float,
    pace: float,
    step_days: int,
    count: int,
    share_of_rest: float,
    spare_days: int,
) -> None:
    indicator = make_indicator(direction=direction)
    sign = 1.0 if direction is Direction.HIGHER_IS_BETTER else -1.0
    first = start if sign > 0 else 100 - start
    every = timedelta(days=step_days)
    begin = NOW - (count - 1) * every
    line = [
        Observation(begin + i * every, first + sign * pace * step_days * i) for i in range(count)
    ]
    latest = line[-1].value
    best = 100.0 if sign > 0 else 0.0
    goal = latest + share_of_rest * (best - latest)
    arrival = NOW + timedelta(days=abs(goal - latest) / pace)
    deadline = arrival.astimezone(VIETNAM_TIME).date() + timedelta(days=spare_days)
    target = make_target(DEADLINE, goal, indicator=indicator, deadline=deadline)

    result = assess(target, indicator, line, now=NOW)

    assert result.status in {RiskStatus.ON_TRACK, RiskStatus.ACHIEVED}


@given(
    values=st.lists(st.floats(min_value=0, max_value=100), min_size=1, max_size=15),
    goal=st.floats(min_value=0, max_value=100),
    days_left=st.integers(min_value=1, max_value=2000),
)
def test_a_projected_percent_never_exceeds_100(
    make_indicator: MakeIndicator,
    make_target: MakeTarget,
    values: list[float],
    goal: float,
    days_left: int,
) -> None:
    indicator = make_indicator()
    target = make_target(
        DEADLINE, goal, indicator=indicator, deadline=NOW.date() + timedelta(days=days_left)
    )
    begin = NOW - (len(values) - 1) * timedelta(days=3)
    series = [Observation(begin + timedelta(days=3 * i), v) for i, v in enumerate(values)]

    result = assess(target, indicator, series, now=NOW)

    if result.projected_value is not None:
        assert 0.0 <= result.projected_value <= 100.0
