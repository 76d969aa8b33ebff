"""Deadline targets: verdicts (achieved, missed), the deadline day in Vietnam, lower-is-better
series, projections capped at 100% and what time passing alone does."""

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from ioc_alerts.domain import Observation, assess
from ioc_contracts.catalog import Direction, Indicator, Target, TargetKind, Unit
from ioc_contracts.status import RiskStatus
from ioc_contracts.types import VIETNAM_TIME

MakeIndicator = Callable[..., Indicator]
MakeTarget = Callable[..., Target]
MakeLine = Callable[..., list[Observation]]

DEADLINE = TargetKind.DEADLINE
NOW = datetime(2023, 7, 1, tzinfo=UTC)
WEEK = timedelta(weeks=1)


# --- once the deadline has passed ---------------------------------------------------------


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
    last_minute = datetime(2023, 6, 30, 23, 59, tzinfo=VIETNAM_TIME)
    figures = [Observation(datetime(2023, 6, 1, tzinfo=UTC), 80.0), Observation(last_minute, 100.0)]
    midnight = datetime(2023, 7, 1, tzinfo=VIETNAM_TIME)

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
