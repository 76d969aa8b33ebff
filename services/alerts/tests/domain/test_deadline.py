"""Deadline targets: the pace method of DESIGN.md, its edge cases and the seed's cases."""

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ioc_alerts.domain import PACE_SCALE, Observation, assess
from ioc_alerts.domain.dates import VIETNAM, deadline_instant
from ioc_contracts.catalog import Direction, Indicator, Target, TargetKind, Unit
from ioc_contracts.status import RiskStatus

MakeIndicator = Callable[..., Indicator]
MakeTarget = Callable[..., Target]
MakeLine = Callable[..., list[Observation]]

DEADLINE = TargetKind.DEADLINE
NOW = datetime(2023, 7, 1, tzinfo=UTC)
WEEK = timedelta(weeks=1)
MONTH_DAYS = 365.25 / 12


# --- the seed's cases ---------------------------------------------------------------------


def test_paperless_services_at_two_points_a_month_will_not_reach_100_by_september(
    make_indicator: MakeIndicator, make_target: MakeTarget, make_line: MakeLine
) -> None:
    paperless = make_indicator(code="dvc.paperless-rate")
    target = make_target(
        DEADLINE,
        100,
        indicator=paperless,
        deadline=date(2023, 9, 30),
        baseline=(37, date(2023, 6, 1)),
    )
    june = make_line(
        datetime(2023, 6, 1, tzinfo=UTC), 37.0, per_day=2 / MONTH_DAYS, every=WEEK, count=5
    )

    result = assess(target, paperless, june, now=datetime(2023, 6, 30, tzinfo=UTC))

    assert result.status in {RiskStatus.AT_RISK, RiskStatus.OFF_TRACK}
    assert result.ratio is not None
    assert result.ratio < 0.6
    assert result.observed_rate == pytest.approx(2 / MONTH_DAYS)
    assert result.projected_value is not None
    assert result.projected_value < 50
    assert result.eta is not None
    assert result.eta > deadline_instant(date(2023, 9, 30))
    assert result.reason_vi.startswith("Chậm tiến độ: hiện đạt 38,84%")
    assert "trước 30/09/2023" in result.reason_vi
    assert result.reason_en.startswith("Off track: 38.84% now")


def test_e_id_activation_growing_slowly_toward_50_percent_is_behind(
    make_indicator: MakeIndicator, make_target: MakeTarget, make_line: MakeLine
) -> None:
    activated = make_indicator(code="da06.eid-activated-rate")
    target = make_target(
        DEADLINE,
        50,
        indicator=activated,
        deadline=date(2023, 12, 31),
        baseline=(17.2, date(2023, 3, 16)),
    )
    spring = make_line(
        datetime(2023, 3, 16, tzinfo=UTC), 17.2, per_day=1 / MONTH_DAYS, every=WEEK, count=11
    )

    result = assess(target, activated, spring, now=datetime(2023, 6, 1, tzinfo=UTC))

    assert result.status in {RiskStatus.AT_RISK, RiskStatus.OFF_TRACK}
    assert result.projected_value is not None
    assert result.projected_value < 50
    assert result.required_rate is not None
    assert result.observed_rate is not None
    assert result.observed_rate < result.required_rate


# --- one figure -----------------------------------------------------------------------


def test_one_figure_without_a_baseline_is_at_risk_with_the_pace_unknown(
    make_indicator: MakeIndicator, make_target: MakeTarget
) -> None:
    indicator = make_indicator()
    target = make_target(DEADLINE, 100, indicator=indicator, deadline=date(2023, 9, 30))

    result = assess(target, indicator, [Observation(NOW, 37.0)], now=NOW)

    assert result.status is RiskStatus.AT_RISK
    assert result.ratio is None
    assert result.observed_rate is None
    assert result.required_rate is not None
    assert result.required_rate > 0
    assert result.projected_value is None
    assert result.position is None
    assert "mới có một số liệu (37%)" in result.reason_vi
    assert "only one figure" in result.reason_en


def test_a_baseline_on_the_same_day_gives_no_second_figure(
    make_indicator: MakeIndicator, make_target: MakeTarget
) -> None:
    indicator = make_indicator()
    target = make_target(
        DEADLINE,
        100,
        indicator=indicator,
        deadline=date(2023, 9, 30),
        baseline=(37, date(2023, 6, 1)),
    )
    # 07:00 in Vietnam on 1/6, the baseline's own day.
    first = Observation(datetime(2023, 6, 1, tzinfo=UTC), 37.0)

    result = assess(target, indicator, [first], now=datetime(2023, 6, 2, tzinfo=UTC))

    assert result.status is RiskStatus.AT_RISK
    assert result.ratio is None


def test_an_earlier_baseline_gives_a_two_figure_pace(
    make_indicator: MakeIndicator, make_target: MakeTarget
) -> None:
    indicator = make_indicator()
    target = make_target(
        DEADLINE,
        50,
        indicator=indicator,
        deadline=date(2023, 12, 31),
        baseline=(17.2, date(2023, 3, 16)),
    )
    # The baseline day starts at 17:00 UTC the day before, in Vietnam.
    baseline_start = datetime(2023, 3, 15, 17, tzinfo=UTC)
    only = Observation(baseline_start + timedelta(days=100), 27.2)

    result = assess(target, indicator, [only], now=only.observed_at)

    assert result.observed_rate == pytest.approx(0.1)
    assert result.ratio is not None
    assert "ước từ hai số liệu" in result.reason_vi
    assert "estimated from two figures" in result.reason_en


def test_a_series_that_paused_takes_its_pace_from_the_figure_before_the_pause(
    make_indicator: MakeIndicator, make_target: MakeTarget
) -> None:
    indicator = make_indicator()
    target = make_target(
        DEADLINE,
        100,
        indicator=indicator,
        deadline=date(2023, 12, 31),
        baseline=(0, date(2022, 1, 1)),
    )
    before = Observation(NOW - timedelta(days=200), 20.0)
    resumed = Observation(NOW, 40.0)

    result = assess(target, indicator, [before, resumed], now=NOW)

    assert result.observed_rate == pytest.approx(0.1)


# --- flat, met, passed --------------------------------------------------------------------


def test_a_flat_series_is_off_track(
    make_indicator: MakeIndicator, make_target: MakeTarget, make_line: MakeLine
) -> None:
    indicator = make_indicator()
    target = make_target(DEADLINE, 100, indicator=indicator, deadline=date(2023, 12, 31))
    flat = make_line(NOW - 9 * WEEK, 61.3, per_day=0.0, every=WEEK, count=10)

    result = assess(target, indicator, flat, now=NOW)

    assert result.status is RiskStatus.OFF_TRACK
    assert result.ratio == 0.0
    assert result.observed_rate == 0.0
    assert result.projected_value == 61.3
    assert result.eta is None
    assert "với tốc độ này không đạt mục tiêu" in result.reason_vi


@pytest.mark.parametrize("current", [100.0, 120.0])
def test_a_target_already_met_is_achieved(
    make_indicator: MakeIndicator, make_target: MakeTarget, current: float
) -> None:
    indicator = make_indicator(unit=Unit.COUNT)
    target = make_target(DEADLINE, 100, indicator=indicator, deadline=date(2023, 12, 31))
    figures = [Observation(NOW - WEEK, 50.0), Observation(NOW, current)]

    result = assess(target, indicator, figures, now=NOW)

    assert result.status is RiskStatus.ACHIEVED
    assert result.ratio is None
    assert result.eta is None
    assert result.current_value == current
    assert result.reason_vi.startswith("Đã đạt chỉ tiêu")


def test_deadline_passed_and_not_met_is_missed(
    make_indicator: MakeIndicator, make_target: MakeTarget, make_line: MakeLine
) -> None:
    indicator = make_indicator()
    target = make_target(DEADLINE, 100, indicator=indicator, deadline=date(2023, 6, 30))
    june = make_line(datetime(2023, 6, 1, tzinfo=UTC), 90.0, per_day=0.1, every=WEEK, count=5)

    result = assess(target, indicator, june, now=datetime(2023, 7, 2, tzinfo=UTC))

    assert result.status is RiskStatus.MISSED
    assert result.current_value == june[-1].value
    assert "đến hạn 30/06/2023 chỉ đạt" in result.reason_vi
    assert "at the deadline 2023-06-30" in result.reason_en


def test_deadline_passed_and_met_is_achieved(
    make_indicator: MakeIndicator, make_target: MakeTarget
) -> None:
    indicator = make_indicator()
    target = make_target(DEADLINE, 100, indicator=indicator, deadline=date(2023, 6, 30))
    met = [Observation(datetime(2023, 6, 20, tzinfo=UTC), 100.0)]

    result = assess(target, indicator, met, now=datetime(2023, 12, 1, tzinfo=UTC))

    # Months without a figure do not make a settled deadline stale.
    assert result.status is RiskStatus.ACHIEVED
    assert result.reason_en.startswith("Achieved: 100% at the deadline")


def test_the_deadline_day_counts_until_midnight_in_vietnam(
    make_indicator: MakeIndicator, make_target: MakeTarget
) -> None:
    indicator = make_indicator()
    target = make_target(DEADLINE, 100, indicator=indicator, deadline=date(2023, 6, 30))
    last_minute = datetime(2023, 6, 30, 23, 59, tzinfo=VIETNAM)
    figures = [Observation(datetime(2023, 6, 1, tzinfo=UTC), 80.0), Observation(last_minute, 100.0)]
    midnight = datetime(2023, 7, 1, tzinfo=VIETNAM)

    assert assess(target, indicator, figures, now=midnight).status is RiskStatus.ACHIEVED
    before = assess(target, indicator, figures[:1], now=midnight - timedelta(minutes=1))
    assert before.status is not RiskStatus.MISSED


def test_a_figure_dated_after_the_deadline_does_not_rescue_it(
    make_indicator: MakeIndicator, make_target: MakeTarget
) -> None:
    indicator = make_indicator()
    target = make_target(DEADLINE, 100, indicator=indicator, deadline=date(2023, 6, 30))
    figures = [
        Observation(datetime(2023, 6, 28, tzinfo=UTC), 95.0),
        Observation(datetime(2023, 7, 5, tzinfo=UTC), 100.0),
    ]

    result = assess(target, indicator, figures, now=datetime(2023, 7, 10, tzinfo=UTC))

    assert result.status is RiskStatus.MISSED
    assert result.current_value == 95.0


def test_no_figure_by_the_deadline_is_missed(
    make_indicator: MakeIndicator, make_target: MakeTarget
) -> None:
    indicator = make_indicator()
    target = make_target(DEADLINE, 100, indicator=indicator, deadline=date(2023, 6, 30))

    result = assess(target, indicator, [], now=datetime(2023, 7, 10, tzinfo=UTC))

    assert result.status is RiskStatus.MISSED
    assert result.current_value is None
    assert "không có số liệu nào trước hạn 30/06/2023" in result.reason_vi


# --- direction and range ------------------------------------------------------------------


def test_lower_is_better_improving_fast_enough_is_on_track(
    make_indicator: MakeIndicator, make_target: MakeTarget, make_line: MakeLine
) -> None:
    days_to_resolve = make_indicator(unit=Unit.DAYS, direction=Direction.LOWER_IS_BETTER)
    target = make_target(DEADLINE, 10, indicator=days_to_resolve, deadline=date(2023, 9, 30))
    falling = make_line(NOW - 8 * WEEK, 20.0, per_day=-0.1, every=WEEK, count=9)

    result = assess(target, days_to_resolve, falling, now=NOW)

    assert result.status is RiskStatus.ON_TRACK
    assert result.observed_rate is not None
    assert result.required_rate is not None
    assert result.observed_rate < 0
    assert result.required_rate < 0
    assert result.ratio is not None
    assert result.ratio > 1


def test_lower_is_better_moving_up_is_deteriorating(
    make_indicator: MakeIndicator, make_target: MakeTarget, make_line: MakeLine
) -> None:
    days_to_resolve = make_indicator(unit=Unit.DAYS, direction=Direction.LOWER_IS_BETTER)
    target = make_target(DEADLINE, 10, indicator=days_to_resolve, deadline=date(2023, 9, 30))
    rising = make_line(NOW - 8 * WEEK, 15.0, per_day=0.05, every=WEEK, count=9)

    result = assess(target, days_to_resolve, rising, now=NOW)

    assert result.status is RiskStatus.DETERIORATING
    assert result.ratio is not None
    assert result.ratio < 0
    assert result.eta is None
    assert result.reason_vi.startswith("Diễn biến ngược chiều mục tiêu")


def test_lower_is_better_already_below_the_target_is_achieved(
    make_indicator: MakeIndicator, make_target: MakeTarget
) -> None:
    days_to_resolve = make_indicator(unit=Unit.DAYS, direction=Direction.LOWER_IS_BETTER)
    target = make_target(DEADLINE, 10, indicator=days_to_resolve, deadline=date(2023, 9, 30))

    result = assess(target, days_to_resolve, [Observation(NOW, 9.5)], now=NOW)

    assert result.status is RiskStatus.ACHIEVED


def test_a_fast_percent_is_projected_at_100_not_beyond(
    make_indicator: MakeIndicator, make_target: MakeTarget, make_line: MakeLine
) -> None:
    indicator = make_indicator()
    target = make_target(DEADLINE, 100, indicator=indicator, deadline=date(2023, 12, 31))
    steep = make_line(NOW - 4 * WEEK, 80.0, per_day=0.5, every=WEEK, count=5)

    result = assess(target, indicator, steep, now=NOW)

    assert result.status is RiskStatus.ON_TRACK
    assert result.projected_value == 100.0
    assert result.eta is not None
    assert result.eta < deadline_instant(date(2023, 12, 31))


def test_a_percent_at_100_meets_a_100_percent_target(
    make_indicator: MakeIndicator, make_target: MakeTarget
) -> None:
    indicator = make_indicator()
    target = make_target(DEADLINE, 100, indicator=indicator, deadline=date(2023, 12, 31))
    capped = [Observation(NOW - WEEK, 100.0), Observation(NOW, 100.0)]

    assert assess(target, indicator, capped, now=NOW).status is RiskStatus.ACHIEVED


# --- time passing ---------------------------------------------------------------------


def test_time_passing_alone_moves_a_deadline_toward_risk_then_stale(
    make_indicator: MakeIndicator, make_target: MakeTarget, make_line: MakeLine
) -> None:
    indicator = make_indicator()
    target = make_target(DEADLINE, 100, indicator=indicator, deadline=date(2023, 9, 30))
    figures = make_line(NOW - 8 * WEEK, 50.0, per_day=0.5, every=WEEK, count=9)

    fresh = assess(target, indicator, figures, now=NOW)
    later = assess(target, indicator, figures, now=NOW + timedelta(days=8))
    silent = assess(target, indicator, figures, now=NOW + timedelta(days=9))

    assert fresh.ratio is not None
    assert later.ratio is not None
    assert later.ratio < fresh.ratio
    assert silent.status is RiskStatus.STALE


def test_figures_dated_after_now_are_not_used(
    make_indicator: MakeIndicator, make_target: MakeTarget
) -> None:
    indicator = make_indicator()
    target = make_target(DEADLINE, 100, indicator=indicator, deadline=date(2023, 12, 31))
    figures = [Observation(NOW, 40.0), Observation(NOW + WEEK, 100.0)]

    result = assess(target, indicator, figures, now=NOW)

    assert result.status is RiskStatus.AT_RISK
    assert result.current_value == 40.0


# --- band edges ---------------------------------------------------------------------------


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
    deadline = arrival.astimezone(VIETNAM).date() + timedelta(days=spare_days)
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
