"""Deadline targets: the pace method of DESIGN.md, its edge cases and the seed's cases."""

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

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
