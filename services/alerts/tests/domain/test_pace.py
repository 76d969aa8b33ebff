"""The observed and required rates, the projection and the arrival date."""

import math
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ioc_alerts.domain import (
    Observation,
    eta,
    observed_rate,
    pace_half_life,
    pace_window,
    projected_value,
    required_rate,
)
from ioc_alerts.domain.pace import MAX_ETA, direction_sign, toward_better, two_point_rate
from ioc_contracts.catalog import Cadence, Direction

NOW = datetime(2023, 7, 1, tzinfo=UTC)
WINDOW = timedelta(days=90)
HALF_LIFE = timedelta(days=30)


def weekly(values: list[float], *, end: datetime = NOW) -> list[Observation]:
    """Figures a week apart, the last one at `end`."""
    count = len(values)
    return [
        Observation(end - timedelta(weeks=count - 1 - index), value)
        for index, value in enumerate(values)
    ]


def rate(observations: list[Observation], *, now: datetime = NOW) -> float | None:
    return observed_rate(observations, now=now, window=WINDOW, half_life=HALF_LIFE)


@pytest.mark.parametrize(
    ("cadence", "window_days"),
    [
        (Cadence.DAILY, 90),
        (Cadence.WEEKLY, 90),
        (Cadence.MONTHLY, 124),
        (Cadence.QUARTERLY, 368),
        (Cadence.YEARLY, 1464),
    ],
)
def test_window_is_a_quarter_or_four_periods(cadence: Cadence, window_days: int) -> None:
    assert pace_window(cadence) == timedelta(days=window_days)
    assert pace_half_life(cadence) == timedelta(days=window_days) / 3


def test_a_straight_line_gives_its_slope() -> None:
    line = weekly([10.0 + 0.7 * week for week in range(8)])

    measured = rate(line)

    assert measured == pytest.approx(0.1)  # 0.7 a week


def test_a_flat_series_has_a_rate_of_exactly_zero() -> None:
    assert rate(weekly([37.3] * 10)) == 0.0


def test_one_figure_has_no_rate() -> None:
    assert rate(weekly([37.0])) is None


def test_figures_at_one_instant_have_no_rate() -> None:
    same = [Observation(NOW, 1.0), Observation(NOW, 2.0)]

    assert rate(same) is None


def test_no_figures_have_no_rate() -> None:
    assert rate([]) is None


def test_figures_outside_the_window_are_ignored() -> None:
    old_climb = [Observation(NOW - timedelta(days=200 - day), float(day)) for day in range(50)]
    recent_flat = weekly([5.0] * 6)

    assert rate(old_climb + recent_flat) == 0.0


def test_figures_after_now_are_ignored() -> None:
    past = weekly([1.0, 2.0, 3.0])
    future = [Observation(NOW + timedelta(weeks=1), 100.0)]

    assert rate(past + future) == pytest.approx(1 / 7)


def test_recent_figures_weigh_more() -> None:
    # Eight flat weeks, then four weeks climbing a point a week.
    bend = weekly([0.0] * 8 + [1.0, 2.0, 3.0, 4.0])
    unweighted = observed_rate(bend, now=NOW, window=WINDOW, half_life=timedelta(days=10_000))

    weighted = rate(bend)

    assert weighted is not None
    assert unweighted is not None
    assert weighted > unweighted


def test_window_and_half_life_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        observed_rate([], now=NOW, window=timedelta(0), half_life=HALF_LIFE)


def test_a_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        rate([], now=datetime(2023, 7, 1))


def test_two_point_rate() -> None:
    later = NOW + timedelta(days=10)

    assert two_point_rate(17.2, NOW, 18.2, later) == pytest.approx(0.1)
    assert two_point_rate(17.2, NOW, 18.2, NOW) is None


def test_required_rate_spreads_the_gap_over_the_days_left() -> None:
    needed = required_rate(40.0, 100.0, now=NOW, deadline=NOW + timedelta(days=60))

    assert needed == pytest.approx(1.0)


def test_required_rate_is_none_once_the_deadline_has_come() -> None:
    assert required_rate(40.0, 100.0, now=NOW, deadline=NOW) is None
    assert required_rate(40.0, 100.0, now=NOW, deadline=NOW - timedelta(days=1)) is None


def test_required_rate_is_negative_for_a_lower_is_better_target() -> None:
    needed = required_rate(10.0, 4.0, now=NOW, deadline=NOW + timedelta(days=3))

    assert needed is not None
    assert needed == pytest.approx(-2.0)
    assert toward_better(needed, Direction.LOWER_IS_BETTER) == pytest.approx(2.0)


def test_projection_continues_the_pace_from_now() -> None:
    projected = projected_value(40.0, 0.5, now=NOW, at=NOW + timedelta(days=20))

    assert projected == pytest.approx(50.0)


def test_projection_is_capped_at_100_percent() -> None:
    projected = projected_value(
        99.0, 1.0, now=NOW, at=NOW + timedelta(days=30), minimum=0.0, maximum=100.0
    )

    assert projected == 100.0


def test_projection_stops_at_the_bottom_of_the_range() -> None:
    projected = projected_value(
        3.0, -1.0, now=NOW, at=NOW + timedelta(days=30), minimum=0.0, maximum=100.0
    )

    assert projected == 0.0


def test_eta_is_when_the_pace_reaches_the_target() -> None:
    assert eta(40.0, 100.0, 2.0, now=NOW) == NOW + timedelta(days=30)
    assert eta(10.0, 4.0, -0.5, now=NOW) == NOW + timedelta(days=12)


def test_eta_is_now_when_the_target_is_where_the_series_stands() -> None:
    assert eta(50.0, 50.0, 0.0, now=NOW) == NOW


@pytest.mark.parametrize("pace", [0.0, -1.0])
def test_no_eta_when_the_pace_never_gets_there(pace: float) -> None:
    assert eta(40.0, 100.0, pace, now=NOW) is None


def test_no_eta_for_a_target_outside_the_valid_range() -> None:
    assert eta(90.0, 101.0, 1.0, now=NOW, minimum=0.0, maximum=100.0) is None


def test_no_eta_more_than_a_century_away() -> None:
    days = MAX_ETA / timedelta(days=1)

    assert eta(0.0, 1.0, 1.0 / (days + 1), now=NOW) is None
    assert eta(0.0, 1.0, 1e-300, now=NOW) is None
    assert eta(0.0, 1.0, 1.0 / (days - 1), now=NOW) is not None


# --- properties -------------------------------------------------------------------------

slopes = st.floats(min_value=-50, max_value=50, allow_nan=False)
levels = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)
gaps_in_days = st.lists(st.integers(min_value=1, max_value=20), min_size=1, max_size=20)


@given(level=levels, slope=slopes, gaps=gaps_in_days)
def test_any_straight_line_gives_back_its_slope(
    level: float, slope: float, gaps: list[int]
) -> None:
    days = [0, *gaps]
    offsets = [sum(days[: index + 1]) for index in range(len(days))]
    start = NOW - timedelta(days=offsets[-1])
    line = [Observation(start + timedelta(days=d), level + slope * d) for d in offsets]

    measured = observed_rate(line, now=NOW, window=timedelta(days=offsets[-1]), half_life=HALF_LIFE)

    assert measured is not None
    assert measured == pytest.approx(slope, rel=1e-6, abs=1e-6 * (1 + abs(level) / 100))


@given(
    current=st.floats(min_value=-1e6, max_value=1e6),
    distance=st.floats(min_value=1e-6, max_value=1e6),
    days_left=st.floats(min_value=0.01, max_value=3650),
    direction=st.sampled_from(Direction),
)
def test_required_rate_is_positive_when_the_target_is_ahead(
    current: float, distance: float, days_left: float, direction: Direction
) -> None:
    target = current + direction_sign(direction) * distance

    needed = required_rate(current, target, now=NOW, deadline=NOW + timedelta(days=days_left))

    assert needed is not None
    assert toward_better(needed, direction) > 0


@given(
    current=st.floats(min_value=0, max_value=100),
    pace=st.floats(min_value=-1e6, max_value=1e6),
    days=st.floats(min_value=0, max_value=3650),
)
def test_a_projected_percent_stays_within_0_and_100(
    current: float, pace: float, days: float
) -> None:
    projected = projected_value(
        current, pace, now=NOW, at=NOW + timedelta(days=days), minimum=0.0, maximum=100.0
    )

    assert 0.0 <= projected <= 100.0
    assert math.isfinite(projected)
