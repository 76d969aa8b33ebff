"""Hysteresis: worse news at the edge, better news only past it by a margin."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ioc_alerts.domain import PACE_SCALE, THRESHOLD_SCALE, Assessment, BandScale, settle
from ioc_alerts.domain.bands import GRADED
from ioc_alerts.domain.evaluation import evaluate
from ioc_alerts.domain.series import Observation
from ioc_contracts.catalog import Cadence, Indicator, Target, TargetKind
from ioc_contracts.status import RiskStatus

MakeIndicator = Callable[..., Indicator]
MakeTarget = Callable[..., Target]

ON, RISK, OFF, WORSE = GRADED


def at(position: float, scale: BandScale = PACE_SCALE) -> Assessment:
    """An assessment whose status is the band of `position`."""
    return Assessment(scale.band(position), "", "", position=position, scale=scale)


def verdict(status: RiskStatus) -> Assessment:
    return Assessment(status, "", "")


def test_a_first_status_is_taken_as_it_is() -> None:
    assert settle(None, at(0.96)) is ON


def test_an_unchanged_status_stays() -> None:
    assert settle(RISK, at(0.70)) is RISK


@pytest.mark.parametrize(
    ("previous", "position", "expected"),
    [
        (ON, 0.9499, RISK),
        (ON, 0.10, OFF),
        (RISK, -0.01, WORSE),
    ],
)
def test_worse_news_is_taken_at_the_edge(
    previous: RiskStatus, position: float, expected: RiskStatus
) -> None:
    assert settle(previous, at(position)) is expected


@pytest.mark.parametrize(
    ("previous", "position", "expected"),
    [
        (RISK, 0.97, RISK),
        (RISK, 1.0, ON),
        (OFF, 0.62, OFF),
        (OFF, 0.65, RISK),
        (WORSE, 0.03, WORSE),
        (WORSE, 0.05, OFF),
        # Far better, but only clears the at-risk edge: improves one band, not two.
        (OFF, 0.97, RISK),
        (WORSE, 0.99, RISK),
    ],
)
def test_better_news_must_clear_the_edge_by_the_margin(
    previous: RiskStatus, position: float, expected: RiskStatus
) -> None:
    assert settle(previous, at(position)) is expected


def test_the_margin_can_be_given() -> None:
    assert settle(RISK, at(0.97), margin=0.0) is ON
    assert settle(RISK, at(1.0), margin=0.1) is RISK


@pytest.mark.parametrize("previous", [RiskStatus.STALE, RiskStatus.ACHIEVED, RiskStatus.MISSED])
def test_leaving_a_verdict_is_not_delayed(previous: RiskStatus) -> None:
    assert settle(previous, at(0.951)) is ON


@pytest.mark.parametrize("status", [RiskStatus.STALE, RiskStatus.ACHIEVED, RiskStatus.MISSED])
@pytest.mark.parametrize("previous", GRADED)
def test_reaching_a_verdict_is_not_delayed(previous: RiskStatus, status: RiskStatus) -> None:
    assert settle(previous, verdict(status)) is status


def test_an_improvement_without_a_position_is_taken() -> None:
    one_figure = Assessment(RISK, "", "")

    assert settle(OFF, one_figure) is RISK


def test_lines_have_their_own_margin() -> None:
    assert THRESHOLD_SCALE.hysteresis == 0.25
    assert settle(OFF, at(0.2, THRESHOLD_SCALE)) is OFF
    assert settle(OFF, at(0.25, THRESHOLD_SCALE)) is RISK
    assert settle(RISK, at(1.2, THRESHOLD_SCALE)) is RISK
    assert settle(RISK, at(1.25, THRESHOLD_SCALE)) is ON


EDGES = [
    (PACE_SCALE, PACE_SCALE.on_track),
    (PACE_SCALE, PACE_SCALE.at_risk),
    (PACE_SCALE, PACE_SCALE.off_track),
    (THRESHOLD_SCALE, THRESHOLD_SCALE.on_track),
    (THRESHOLD_SCALE, THRESHOLD_SCALE.at_risk),
]


@given(
    scale_and_edge=st.sampled_from(EDGES),
    start=st.sampled_from(GRADED),
    # Just inside ±margin: exactly at edge + margin a move up is meant to happen.
    wobble=st.lists(st.floats(min_value=-0.999, max_value=0.999), min_size=1, max_size=60),
)
def test_a_series_wobbling_within_the_margin_never_flaps(
    scale_and_edge: tuple[BandScale, float], start: RiskStatus, wobble: list[float]
) -> None:
    scale, edge = scale_and_edge
    recorded = []
    previous = start
    for share in wobble:
        previous = settle(previous, at(edge + share * scale.hysteresis, scale))
        recorded.append(previous)

    moves = sum(1 for before, after in pairwise(recorded) if before != after)
    assert moves <= 1  # flapping (A, B, A) takes two


def test_an_on_time_rate_hovering_at_its_floor_alerts_once(
    make_indicator: MakeIndicator, make_target: MakeTarget
) -> None:
    ontime = make_indicator(code="dvc.ontime-rate", cadence=Cadence.DAILY)
    floor = make_target(TargetKind.FLOOR, 95, indicator=ontime)
    start = datetime(2023, 6, 1, tzinfo=UTC)
    figures = [
        Observation(start + timedelta(days=day), 95.1 if day % 2 else 94.9) for day in range(60)
    ]

    recorded: list[RiskStatus] = []
    previous: RiskStatus | None = None
    for day in range(10, 60):
        now = start + timedelta(days=day, hours=12)
        previous = evaluate(floor, ontime, figures, previous, now=now).status
        recorded.append(previous)

    raw = [
        evaluate(floor, ontime, figures, None, now=start + timedelta(days=day, hours=12)).status
        for day in range(10, 60)
    ]
    assert raw[:2] == [RiskStatus.OFF_TRACK, RiskStatus.AT_RISK]  # unsettled, it flaps daily
    assert set(recorded) == {RiskStatus.OFF_TRACK}
