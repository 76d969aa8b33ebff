"""A series is ordered, in UTC, and sliced by time without surprises."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from ioc_alerts.domain import Observation, Series

HANOI = timezone(timedelta(hours=7))


def test_observations_are_sorted_and_kept_in_utc() -> None:
    later = Observation(datetime(2023, 6, 8, 7, tzinfo=HANOI), 2.0)
    earlier = Observation(datetime(2023, 6, 1, tzinfo=UTC), 1.0)

    series = Series([later, earlier])

    assert [item.value for item in series] == [1.0, 2.0]
    assert series.observations[1].observed_at == datetime(2023, 6, 8, tzinfo=UTC)
    assert series.observations[1].observed_at.tzinfo is UTC
    assert series.latest == Observation(datetime(2023, 6, 8, tzinfo=UTC), 2.0)


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        Observation(datetime(2023, 6, 1), 1.0)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf")])
def test_a_non_finite_value_is_refused(value: float) -> None:
    with pytest.raises(ValueError, match="finite"):
        Observation(datetime(2023, 6, 1, tzinfo=UTC), value)


def test_an_empty_series_has_no_latest() -> None:
    assert Series().latest is None
    assert len(Series()) == 0


def test_as_of_leaves_out_figures_dated_later() -> None:
    june = [Observation(datetime(2023, 6, day, tzinfo=UTC), float(day)) for day in (1, 2, 3)]
    series = Series(june)

    known = series.as_of(datetime(2023, 6, 2, tzinfo=UTC))

    assert [item.value for item in known] == [1.0, 2.0]
    assert series.as_of(datetime(2023, 7, 1, tzinfo=UTC)) is series
    assert len(series.as_of(datetime(2023, 5, 1, tzinfo=UTC))) == 0


def test_between_includes_both_ends() -> None:
    series = Series(
        Observation(datetime(2023, 6, day, tzinfo=UTC), float(day)) for day in range(1, 11)
    )

    part = series.between(datetime(2023, 6, 3, tzinfo=UTC), datetime(2023, 6, 5, tzinfo=UTC))

    assert [item.value for item in part] == [3.0, 4.0, 5.0]
    assert part.seconds == tuple(item.observed_at.timestamp() for item in part)
    assert part.values == (3.0, 4.0, 5.0)
    empty = series.between(datetime(2023, 6, 5, tzinfo=UTC), datetime(2023, 6, 3, tzinfo=UTC))
    assert len(empty) == 0


def test_at_or_before_finds_the_figure_standing_at_an_instant() -> None:
    series = Series(
        [
            Observation(datetime(2023, 6, 1, tzinfo=UTC), 1.0),
            Observation(datetime(2023, 6, 10, tzinfo=UTC), 2.0),
        ]
    )

    assert series.at_or_before(datetime(2023, 5, 31, tzinfo=UTC)) is None
    standing = series.at_or_before(datetime(2023, 6, 9, tzinfo=UTC))
    assert standing is not None
    assert standing.value == 1.0
    exact = series.at_or_before(datetime(2023, 6, 10, tzinfo=UTC))
    assert exact is not None
    assert exact.value == 2.0


def test_of_reuses_a_series() -> None:
    series = Series([Observation(datetime(2023, 6, 1, tzinfo=UTC), 1.0)])

    assert Series.of(series) is series
    assert len(Series.of(list(series))) == 1
