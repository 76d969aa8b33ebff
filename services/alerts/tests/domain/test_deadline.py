"""Deadline targets: the pace method of DESIGN.md, its edge cases and the seed's cases."""

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

import pytest

from ioc_alerts.domain import Observation, assess
from ioc_alerts.domain.dates import deadline_instant
from ioc_contracts.catalog import Indicator, Target, TargetKind, Unit
from ioc_contracts.status import RiskStatus

MakeIndicator = Callable[..., Indicator]
MakeTarget = Callable[..., Target]
MakeLine = Callable[..., list[Observation]]

DEADLINE = TargetKind.DEADLINE
NOW = datetime(2023, 7, 1, tzinfo=UTC)
WEEK = timedelta(weeks=1)
MONTH_DAYS = 365.25 / 12


# --- the seed's cases ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "goal", "deadline", "start", "per_month", "weeks", "now", "reason_vi", "reason_en"),
    [
        (
            "dvc.paperless-rate",
            100,
            date(2023, 9, 30),
            (37.0, date(2023, 6, 1)),
            2,
            5,
            datetime(2023, 6, 30, tzinfo=UTC),
            "Chậm tiến độ: hiện đạt 38,84%, tốc độ +2 điểm %/tháng, cần +20,08 điểm %/tháng "
            "để đạt 100% trước 30/09/2023",
            "Off track: 38.84% now",
        ),
        (
            "da06.eid-activated-rate",
            50,
            date(2023, 12, 31),
            (17.2, date(2023, 3, 16)),
            1,
            11,
            datetime(2023, 6, 1, tzinfo=UTC),
            "Chậm tiến độ: hiện đạt 19,5%, tốc độ +1 điểm %/tháng, cần +4,34 điểm %/tháng "
            "để đạt 50% trước 31/12/2023",
            "Off track: 19.5% now",
        ),
    ],
    ids=["paperless services at two points a month", "e-ID activation at one point a month"],
)
def test_the_seed_s_slow_climbs_will_not_reach_their_targets_in_time(
    make_indicator: MakeIndicator,
    make_target: MakeTarget,
    make_line: MakeLine,
    code: str,
    goal: float,
    deadline: date,
    start: tuple[float, date],
    per_month: float,
    weeks: int,
    now: datetime,
    reason_vi: str,
    reason_en: str,
) -> None:
    indicator = make_indicator(code=code)
    target = make_target(DEADLINE, goal, indicator=indicator, deadline=deadline, baseline=start)
    first = datetime.combine(start[1], time(), UTC)
    line = make_line(first, start[0], per_day=per_month / MONTH_DAYS, every=WEEK, count=weeks)

    result = assess(target, indicator, line, now=now)

    assert result.status in {RiskStatus.AT_RISK, RiskStatus.OFF_TRACK}
    assert result.ratio is not None
    assert result.ratio < 0.6
    assert result.observed_rate == pytest.approx(per_month / MONTH_DAYS)
    assert result.observed_rate is not None
    assert result.required_rate is not None
    assert result.observed_rate < result.required_rate
    assert result.projected_value is not None
    assert result.projected_value < 0.6 * goal
    assert result.eta is not None
    assert result.eta > deadline_instant(deadline)
    assert result.reason_vi.startswith(reason_vi)
    assert result.reason_en.startswith(reason_en)


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


@pytest.mark.parametrize(
    ("current", "per_day", "status", "projected", "eta", "reason_vi"),
    [
        (61.3, 0.0, RiskStatus.OFF_TRACK, 61.3, None, "với tốc độ này không đạt mục tiêu"),
        # A fast percent is projected at 100, not beyond, and arrives before the deadline.
        (80.0, 0.5, RiskStatus.ON_TRACK, 100.0, date(2023, 8, 10), "dự kiến 100% khi đến hạn"),
    ],
    ids=["flat: off track", "fast: projected at 100"],
)
def test_a_straight_line_is_judged_by_its_slope(
    make_indicator: MakeIndicator,
    make_target: MakeTarget,
    make_line: MakeLine,
    current: float,
    per_day: float,
    status: RiskStatus,
    projected: float,
    eta: date | None,
    reason_vi: str,
) -> None:
    indicator = make_indicator()
    target = make_target(DEADLINE, 100, indicator=indicator, deadline=date(2023, 12, 31))
    line = make_line(NOW - 9 * WEEK, current - 63 * per_day, per_day=per_day, every=WEEK, count=10)

    result = assess(target, indicator, line, now=NOW)

    assert result.status is status
    assert result.projected_value == projected
    assert result.observed_rate == per_day
    assert (result.eta.date() if result.eta else None) == eta
    assert reason_vi in result.reason_vi, result.reason_vi


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
