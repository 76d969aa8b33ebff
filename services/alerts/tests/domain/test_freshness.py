"""Silence: the stale rule every target shares, and freshness targets."""

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest

from ioc_alerts.domain import Observation, assess
from ioc_alerts.domain.freshness import STALE_GRACE, freshness_limit, stale_after
from ioc_contracts.catalog import Cadence, Indicator, Target, TargetKind
from ioc_contracts.status import RiskStatus
from ioc_contracts.types import VIETNAM_TIME

MakeIndicator = Callable[..., Indicator]
MakeTarget = Callable[..., Target]

NOW = datetime(2023, 7, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("cadence", "days"),
    [
        (Cadence.DAILY, 1.25),
        (Cadence.WEEKLY, 8.75),
        (Cadence.MONTHLY, 38.75),
        (Cadence.QUARTERLY, 115),
        (Cadence.YEARLY, 457.5),
    ],
)
def test_stale_after_the_cadence_and_a_quarter(
    make_indicator: MakeIndicator, cadence: Cadence, days: float
) -> None:
    assert STALE_GRACE == 0.25
    assert stale_after(make_indicator(cadence=cadence)) == timedelta(days=days)


@pytest.mark.parametrize(
    "kind_and_value",
    [
        (TargetKind.FLOOR, 95.0),
        (TargetKind.CEILING, 5.0),
        (TargetKind.RANK, 20.0),
        (TargetKind.FRESHNESS, None),
        (TargetKind.DEADLINE, 100.0),
    ],
)
def test_every_kind_is_stale_without_any_figure(
    make_indicator: MakeIndicator,
    make_target: MakeTarget,
    kind_and_value: tuple[TargetKind, float | None],
) -> None:
    kind, value = kind_and_value
    indicator = make_indicator()
    deadline = date(2023, 12, 31) if kind is TargetKind.DEADLINE else None
    target = make_target(kind, value, indicator=indicator, deadline=deadline)

    result = assess(target, indicator, [], now=NOW)

    assert result.status is RiskStatus.STALE
    assert result.current_value is None
    assert result.reason_vi == "Chưa có số liệu nào được báo cáo."


@pytest.mark.parametrize(
    ("age", "status"),
    [
        (timedelta(days=38, hours=18), RiskStatus.ON_TRACK),
        (timedelta(days=38, hours=18, seconds=1), RiskStatus.STALE),
    ],
)
def test_a_monthly_floor_goes_stale_past_38_and_three_quarter_days(
    make_indicator: MakeIndicator, make_target: MakeTarget, age: timedelta, status: RiskStatus
) -> None:
    monthly = make_indicator(cadence=Cadence.MONTHLY)
    floor = make_target(TargetKind.FLOOR, 50, indicator=monthly)

    result = assess(floor, monthly, [Observation(NOW - age, 80.0)], now=NOW)

    assert result.status is status


def test_a_stale_assessment_keeps_the_last_figure_and_says_since_when(
    make_indicator: MakeIndicator, make_target: MakeTarget
) -> None:
    monthly = make_indicator(cadence=Cadence.MONTHLY)
    floor = make_target(TargetKind.FLOOR, 50, indicator=monthly)
    last = Observation(datetime(2023, 5, 1, tzinfo=UTC), 80.0)

    result = assess(floor, monthly, [last], now=NOW)

    assert result.status is RiskStatus.STALE
    assert result.current_value == 80.0
    assert result.current_at == last.observed_at
    assert result.reason_vi == (
        "Không có số liệu mới từ 01/05/2023 (61 ngày); chỉ số báo cáo hằng tháng, "
        "đã quá hạn cập nhật 38,75 ngày."
    )
    assert result.reason_en == (
        "No new figure since 2023-05-01 (61 days); reported monthly, past the 38.75-day limit."
    )


def test_stale_comes_before_achieved_for_an_open_deadline(
    make_indicator: MakeIndicator, make_target: MakeTarget
) -> None:
    weekly = make_indicator()
    target = make_target(TargetKind.DEADLINE, 100, indicator=weekly, deadline=date(2023, 12, 31))
    old_success = [Observation(NOW - timedelta(days=30), 100.0)]

    assert assess(target, weekly, old_success, now=NOW).status is RiskStatus.STALE


def test_a_freshness_target_uses_its_own_days_exactly(
    make_indicator: MakeIndicator, make_target: MakeTarget
) -> None:
    daily = make_indicator(cadence=Cadence.DAILY)
    within_two_days = make_target(TargetKind.FRESHNESS, 2, indicator=daily)
    two_days_ago = [Observation(NOW - timedelta(days=2), 1.0)]
    a_bit_more = [Observation(NOW - timedelta(days=2, seconds=1), 1.0)]

    assert freshness_limit(within_two_days, daily) == timedelta(days=2)
    fresh = assess(within_two_days, daily, two_days_ago, now=NOW)
    assert fresh.status is RiskStatus.ON_TRACK
    assert fresh.reason_vi == "Số liệu cập nhật ngày 29/06/2023 (2 ngày trước), trong hạn 2 ngày."
    assert fresh.reason_en == "Last figure on 2023-06-29 (2 days ago), within the 2-day limit."
    assert assess(within_two_days, daily, a_bit_more, now=NOW).status is RiskStatus.STALE


def test_a_freshness_target_without_days_follows_the_reporting_calendar(
    make_indicator: MakeIndicator, make_target: MakeTarget
) -> None:
    # Weekly, due 2 days after the week (by 24:00 on Tuesday, Vietnam time).
    weekly = make_indicator(cadence=Cadence.WEEKLY)
    keeps_reporting = make_target(TargetKind.FRESHNESS, None, indicator=weekly)
    # A figure of Thursday 22 June: the next week's report is due by 24:00 on 4 July.
    thursday = datetime(2023, 6, 22, 10, tzinfo=VIETNAM_TIME)
    due = datetime(2023, 7, 5, tzinfo=VIETNAM_TIME)
    assert freshness_limit(keeps_reporting, weekly, thursday) == due - thursday
    assert freshness_limit(keeps_reporting, weekly) == stale_after(weekly)  # never reported
    figures = [Observation(thursday, 1.0)]
    on_time = assess(keeps_reporting, weekly, figures, now=due)
    assert on_time.status is RiskStatus.ON_TRACK
    late = assess(keeps_reporting, weekly, figures, now=due + timedelta(minutes=1))
    assert late.status is RiskStatus.STALE


def test_a_target_on_another_indicator_is_refused(
    make_indicator: MakeIndicator, make_target: MakeTarget
) -> None:
    target = make_target(TargetKind.FRESHNESS, None, indicator=make_indicator(code="a.one"))

    with pytest.raises(ValueError, match=r"not a\.two"):
        assess(target, make_indicator(code="a.two"), [], now=NOW)
