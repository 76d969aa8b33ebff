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


def test_a_series_from_columns_reads_as_the_same_observations_do() -> None:
    # Microseconds and instants far apart: the seconds carry them exactly.
    instants = [
        datetime(2020, 2, 29, 23, 59, 59, 999_999, tzinfo=UTC),
        datetime(2023, 6, 1, 0, 0, 0, 1, tzinfo=UTC),
        datetime(2023, 6, 1, 0, 0, 0, 1, tzinfo=UTC),  # two figures at one instant
        datetime(2099, 12, 31, 16, 59, 59, 123_457, tzinfo=UTC),
    ]
    observations = [Observation(at, float(n)) for n, at in enumerate(instants)]
    built = Series(observations)

    columns = Series.from_columns([at.timestamp() for at in instants], [0.0, 1.0, 2.0, 3.0])

    assert columns.latest == built.latest
    assert columns.latest is not None
    assert columns.latest.observed_at.tzinfo is UTC
    assert (columns.seconds, columns.values) == (built.seconds, built.values)
    cut = datetime(2023, 6, 1, 0, 0, 0, 1, tzinfo=UTC)
    assert columns.at_or_before(cut) == built.at_or_before(cut) == observations[2]
    assert list(columns.between(cut, cut)) == list(built.between(cut, cut))
    assert list(columns.as_of(cut)) == list(built.as_of(cut))
    assert list(columns) == observations
    assert len(columns) == 4


def test_columns_out_of_order_uneven_or_not_finite_are_refused() -> None:
    with pytest.raises(ValueError, match="ascending"):
        Series.from_columns([2.0, 1.0], [1.0, 1.0])
    with pytest.raises(ValueError, match="as many"):
        Series.from_columns([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="finite"):
        Series.from_columns([1.0, 2.0], [1.0, float("nan")])
