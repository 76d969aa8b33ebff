"""Floor, ceiling and rank targets: the line, the margin and the trend toward the line."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from ioc_alerts.domain import THRESHOLD_SCALE, Observation, assess
from ioc_alerts.domain.thresholds import headroom, horizon, margin
from ioc_contracts.catalog import Cadence, Direction, Indicator, Target, TargetKind, Unit
from ioc_contracts.status import RiskStatus

MakeIndicator = Callable[..., Indicator]
MakeTarget = Callable[..., Target]
MakeLine = Callable[..., list[Observation]]

NOW = datetime(2023, 7, 1, tzinfo=UTC)
DAY = timedelta(days=1)


def steady(value: float, *, days: int = 10) -> list[Observation]:
    return [Observation(NOW - index * DAY, value) for index in range(days)]


@pytest.fixture
def ontime_rate(make_indicator: MakeIndicator) -> Indicator:
    return make_indicator(code="dvc.ontime-rate", cadence=Cadence.DAILY)


@pytest.fixture
def floor_95(make_target: MakeTarget, ontime_rate: Indicator) -> Target:
    return make_target(TargetKind.FLOOR, 95, indicator=ontime_rate)


def test_margin_is_one_percent_of_the_range_or_of_the_line(
    make_indicator: MakeIndicator, make_target: MakeTarget, floor_95: Target, ontime_rate: Indicator
) -> None:
    score = make_indicator(unit=Unit.SCORE)
    par_rank = make_indicator(unit=Unit.RANK, direction=Direction.LOWER_IS_BETTER)
    incidents = make_indicator(unit=Unit.COUNT)

    assert margin(floor_95, ontime_rate) == pytest.approx(1.0)
    assert margin(make_target(TargetKind.FLOOR, 80, indicator=score), score) == pytest.approx(0.8)
    assert margin(make_target(TargetKind.RANK, 20, indicator=par_rank), par_rank) == 1.0
    assert margin(make_target(TargetKind.CEILING, 0, indicator=incidents), incidents) == 1.0


def test_horizon_is_a_month_or_one_period(make_indicator: MakeIndicator) -> None:
    assert horizon(make_indicator(cadence=Cadence.DAILY)) == timedelta(days=30)
    assert horizon(make_indicator(cadence=Cadence.QUARTERLY)) == timedelta(days=92)


def test_a_floor_held_with_room_is_on_track(floor_95: Target, ontime_rate: Indicator) -> None:
    # The seed's figure: 96.09% of dossiers resolved on time or early.
    result = assess(floor_95, ontime_rate, steady(96.09), now=NOW)

    assert result.status is RiskStatus.ON_TRACK
    assert result.position == pytest.approx(1.09)
    assert result.scale is THRESHOLD_SCALE
    assert result.reason_vi == "Đạt yêu cầu: 96,09% (tối thiểu 95%); xu hướng 0 điểm %/tháng."
    assert result.reason_en == "Holding: 96.09% (at least 95%); trend 0 points/month."


def test_a_floor_within_the_margin_is_at_risk(floor_95: Target, ontime_rate: Indicator) -> None:
    result = assess(floor_95, ontime_rate, steady(95.4), now=NOW)

    assert result.status is RiskStatus.AT_RISK
    assert result.reason_vi.startswith("Sát ngưỡng: 95,4%")


def test_a_floor_exactly_on_the_line_is_held_but_at_risk(
    floor_95: Target, ontime_rate: Indicator
) -> None:
    assert assess(floor_95, ontime_rate, steady(95.0), now=NOW).status is RiskStatus.AT_RISK


def test_a_floor_sliding_toward_the_line_is_at_risk(
    floor_95: Target, ontime_rate: Indicator, make_line: MakeLine
) -> None:
    # Two points above the line, losing a tenth of a point a day: across it within a month.
    sliding = make_line(NOW - 13 * DAY, 98.3, per_day=-0.1, every=DAY, count=14)

    result = assess(floor_95, ontime_rate, sliding, now=NOW)

    assert result.status is RiskStatus.AT_RISK
    assert result.position == 0.0
    assert result.eta == NOW + timedelta(days=20)
    assert result.projected_value is not None
    assert result.projected_value < 95
    assert "chạm ngưỡng vào 21/07/2023" in result.reason_vi
    assert "reaching the line on 2023-07-21" in result.reason_en


def test_a_floor_broken_is_off_track(floor_95: Target, ontime_rate: Indicator) -> None:
    result = assess(floor_95, ontime_rate, steady(93.0), now=NOW)

    assert result.status is RiskStatus.OFF_TRACK
    assert result.position == pytest.approx(-2.0)
    assert result.reason_vi.startswith("Dưới ngưỡng tối thiểu: 93%")
    assert result.reason_en.startswith("Below the floor: 93%")


def test_a_broken_floor_climbing_back_says_when(
    floor_95: Target, ontime_rate: Indicator, make_line: MakeLine
) -> None:
    climbing = make_line(NOW - 9 * DAY, 92.0, per_day=0.1, every=DAY, count=10)

    result = assess(floor_95, ontime_rate, climbing, now=NOW)

    assert result.status is RiskStatus.OFF_TRACK
    assert "trở lại ngưỡng vào" in result.reason_vi


def test_a_floor_of_100_percent_held_at_100_is_on_track(
    make_target: MakeTarget, ontime_rate: Indicator
) -> None:
    # 1,290 of 1,290 level-3/4 services on the portal: nowhere to slide from but down.
    all_online = make_target(TargetKind.FLOOR, 100, indicator=ontime_rate)

    held = assess(all_online, ontime_rate, steady(100.0), now=NOW)
    slipped = assess(all_online, ontime_rate, steady(99.9), now=NOW)

    assert held.status is RiskStatus.ON_TRACK
    assert slipped.status is RiskStatus.OFF_TRACK


def test_a_single_figure_is_judged_on_its_value_alone(
    floor_95: Target, ontime_rate: Indicator
) -> None:
    result = assess(floor_95, ontime_rate, [Observation(NOW, 97.0)], now=NOW)

    assert result.status is RiskStatus.ON_TRACK
    assert result.observed_rate is None
    assert result.projected_value is None


def test_a_ceiling_mirrors_a_floor(make_indicator: MakeIndicator, make_target: MakeTarget) -> None:
    backlog = make_indicator(unit=Unit.COUNT, cadence=Cadence.DAILY)
    at_most_500 = make_target(TargetKind.CEILING, 500, indicator=backlog)

    assert assess(at_most_500, backlog, steady(400), now=NOW).status is RiskStatus.ON_TRACK
    assert assess(at_most_500, backlog, steady(497), now=NOW).status is RiskStatus.AT_RISK
    over = assess(at_most_500, backlog, steady(520), now=NOW)
    assert over.status is RiskStatus.OFF_TRACK
    assert over.reason_vi.startswith("Vượt ngưỡng tối đa: 520 (tối đa 500)")


def test_a_ceiling_at_zero_held_at_zero_is_on_track(
    make_indicator: MakeIndicator, make_target: MakeTarget
) -> None:
    incidents = make_indicator(unit=Unit.COUNT, cadence=Cadence.DAILY)
    none_allowed = make_target(TargetKind.CEILING, 0, indicator=incidents)

    assert assess(none_allowed, incidents, steady(0), now=NOW).status is RiskStatus.ON_TRACK
    assert assess(none_allowed, incidents, steady(1), now=NOW).status is RiskStatus.OFF_TRACK


def test_the_kind_not_the_direction_says_which_side_is_good(
    make_indicator: MakeIndicator, make_target: MakeTarget
) -> None:
    delay = make_indicator(unit=Unit.DAYS, direction=Direction.LOWER_IS_BETTER)
    at_least_two = make_target(TargetKind.FLOOR, 2, indicator=delay)

    assert assess(at_least_two, delay, steady(1), now=NOW).status is RiskStatus.OFF_TRACK


@pytest.fixture
def par_index_rank(make_indicator: MakeIndicator) -> Indicator:
    return make_indicator(
        code="cchc.par-index-rank",
        unit=Unit.RANK,
        direction=Direction.LOWER_IS_BETTER,
        cadence=Cadence.YEARLY,
        max_value=63,
    )


@pytest.mark.parametrize(
    ("rank", "status"),
    [
        (35, RiskStatus.OFF_TRACK),  # the seed: 35th against a top-20 goal
        (21, RiskStatus.OFF_TRACK),
        (20, RiskStatus.AT_RISK),
        (19, RiskStatus.ON_TRACK),
        (1, RiskStatus.ON_TRACK),
    ],
)
def test_a_rank_at_or_better_than_n(
    make_target: MakeTarget, par_index_rank: Indicator, rank: int, status: RiskStatus
) -> None:
    top_20 = make_target(TargetKind.RANK, 20, indicator=par_index_rank)
    yearly = [Observation(NOW - timedelta(days=30), float(rank))]

    result = assess(top_20, par_index_rank, yearly, now=NOW)

    assert result.status is status


def test_a_rank_of_first_against_first_is_on_track(
    make_target: MakeTarget, par_index_rank: Indicator
) -> None:
    first = make_target(TargetKind.RANK, 1, indicator=par_index_rank)

    result = assess(first, par_index_rank, [Observation(NOW, 1.0)], now=NOW)

    assert result.status is RiskStatus.ON_TRACK


def test_a_rank_reason_names_the_rank(make_target: MakeTarget, par_index_rank: Indicator) -> None:
    top_20 = make_target(TargetKind.RANK, 20, indicator=par_index_rank)

    result = assess(top_20, par_index_rank, [Observation(NOW, 35.0)], now=NOW)

    assert result.reason_vi == "Chưa đạt hạng mục tiêu: hạng 35 (mục tiêu từ hạng 20 trở lên)."
    assert result.reason_en == "Below the target rank: rank 35 (target: rank 20 or better)."


def test_a_rank_losing_places_is_at_risk_before_it_drops_out(
    make_target: MakeTarget, par_index_rank: Indicator
) -> None:
    top_3 = make_target(TargetKind.RANK, 3, indicator=par_index_rank)
    # 1st, then 2nd a year later: at one place a year, 3rd is within the next period.
    slipping = [Observation(NOW - timedelta(days=365), 1.0), Observation(NOW, 2.0)]

    result = assess(top_3, par_index_rank, slipping, now=NOW)

    assert result.status is RiskStatus.AT_RISK


def test_headroom_is_infinite_at_the_best_end_of_the_range(
    make_target: MakeTarget, ontime_rate: Indicator
) -> None:
    full = make_target(TargetKind.FLOOR, 99.5, indicator=ontime_rate)

    assert headroom(100.0, full, ontime_rate) == float("inf")
    assert headroom(99.75, full, ontime_rate) == pytest.approx(0.25)
