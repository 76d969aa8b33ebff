"""Batch evaluation: every target, with the statuses recorded last time."""

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest

from ioc_alerts.domain import Observation, Series, TargetEvaluation, evaluate_all
from ioc_contracts.catalog import Cadence, Indicator, Target, TargetKind
from ioc_contracts.status import RiskStatus
from ioc_contracts.topics import series_key

MakeIndicator = Callable[..., Indicator]
MakeTarget = Callable[..., Target]

NOW = datetime(2023, 7, 1, tzinfo=UTC)


@pytest.fixture
def ontime(make_indicator: MakeIndicator) -> Indicator:
    return make_indicator(code="dvc.ontime-rate", cadence=Cadence.DAILY)


@pytest.fixture
def paperless(make_indicator: MakeIndicator) -> Indicator:
    return make_indicator(code="dvc.paperless-rate")


@pytest.fixture
def targets(make_target: MakeTarget, ontime: Indicator, paperless: Indicator) -> list[Target]:
    return [
        make_target(TargetKind.FLOOR, 95, indicator=ontime, code="dvc.ontime-95"),
        make_target(
            TargetKind.DEADLINE,
            100,
            indicator=paperless,
            deadline=date(2023, 9, 30),
            code="dvc.paperless-100",
        ),
        make_target(TargetKind.FRESHNESS, None, indicator=ontime, code="fresh.ontime"),
    ]


def evaluate_at(
    targets: list[Target],
    indicators: list[Indicator],
    series: dict[str, list[Observation]],
    previous: dict[str, RiskStatus],
) -> list[TargetEvaluation]:
    by_code = {indicator.code: indicator for indicator in indicators}
    return evaluate_all(targets, by_code, series, previous, now=NOW)


def test_every_target_is_evaluated_in_order(
    targets: list[Target], ontime: Indicator, paperless: Indicator
) -> None:
    series = {
        series_key("dvc.ontime-rate", "province"): [Observation(NOW - timedelta(hours=6), 96.5)],
    }

    results = evaluate_at(targets, [ontime, paperless], series, {})

    assert [result.target.code for result in results] == [t.code for t in targets]
    assert [result.status for result in results] == [
        RiskStatus.ON_TRACK,
        RiskStatus.STALE,  # no series at all
        RiskStatus.ON_TRACK,
    ]
    assert all(result.changed for result in results)
    assert all(result.previous is None for result in results)


def test_recorded_statuses_go_through_hysteresis(
    targets: list[Target], ontime: Indicator, paperless: Indicator
) -> None:
    # 95.7%: at risk by value, but not clear of the on-track edge by the margin.
    series = {
        series_key("dvc.ontime-rate", "province"): [Observation(NOW - timedelta(hours=6), 96.2)],
    }
    previous = {"dvc.ontime-95": RiskStatus.AT_RISK, "fresh.ontime": RiskStatus.ON_TRACK}

    results = evaluate_at(targets, [ontime, paperless], series, previous)

    floor, _, fresh = results
    assert floor.assessment.status is RiskStatus.ON_TRACK
    assert floor.status is RiskStatus.AT_RISK
    assert not floor.changed
    assert fresh.status is RiskStatus.ON_TRACK
    assert not fresh.changed


def test_a_prepared_series_is_used_as_it_is(
    targets: list[Target], ontime: Indicator, paperless: Indicator
) -> None:
    weekly = Series(Observation(NOW - timedelta(weeks=week), 60.0 - week) for week in range(6))
    series = {series_key("dvc.paperless-rate", "province"): weekly}

    results = evaluate_all(targets[1:2], {paperless.code: paperless}, series, {}, now=NOW)

    assert results[0].assessment.observed_rate == pytest.approx(1 / 7)


def test_an_unknown_indicator_is_refused_before_anything_is_judged(
    targets: list[Target], ontime: Indicator
) -> None:
    with pytest.raises(ValueError, match=r"dvc\.paperless-100"):
        evaluate_at(targets, [ontime], {}, {})


def test_a_naive_now_is_refused(targets: list[Target], ontime: Indicator) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        evaluate_all(targets[:1], {ontime.code: ontime}, {}, {}, now=datetime(2023, 7, 1))


def test_time_passing_alone_turns_a_live_series_stale(
    targets: list[Target], ontime: Indicator, paperless: Indicator
) -> None:
    by_code = {ontime.code: ontime, paperless.code: paperless}
    series = {
        series_key("dvc.ontime-rate", "province"): [Observation(NOW - timedelta(hours=6), 96.5)],
    }
    first = evaluate_all(targets[:1], by_code, series, {}, now=NOW)
    recorded = {first[0].target.code: first[0].status}

    later = evaluate_all(targets[:1], by_code, series, recorded, now=NOW + timedelta(days=2))

    assert later[0].status is RiskStatus.STALE
    assert later[0].changed
