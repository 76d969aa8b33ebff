from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from ioc_alerts.messages.formatting import ENGLISH, VIETNAMESE
from ioc_contracts.catalog import Unit


@pytest.mark.parametrize(
    ("value", "unit", "vietnamese", "english"),
    [
        (1_005_735, Unit.COUNT, "1.005.735", "1,005,735"),
        (36.82, Unit.PERCENT, "36,82%", "36.82%"),
        (60.4312, Unit.PERCENT, "60,43%", "60.43%"),
        (100.0, Unit.PERCENT, "100%", "100%"),
        (36.555, Unit.PERCENT, "36,56%", "36.56%"),  # half-up, not float's half-even
        (35, Unit.RANK, "hạng 35", "rank 35"),
        (12.0, Unit.DAYS, "12 ngày", "12 days"),
        (1_919_976.0, Unit.VND, "1.919.976 đồng", "1,919,976 VND"),
        (-0.001, Unit.PERCENT, "0%", "0%"),
    ],
)
def test_quantities_follow_each_language(
    value: float, unit: Unit, vietnamese: str, english: str
) -> None:
    assert VIETNAMESE.quantity(value, unit) == vietnamese
    assert ENGLISH.quantity(value, unit) == english


@pytest.mark.parametrize(
    ("per_day", "unit", "vietnamese", "english"),
    [
        (0.069, Unit.PERCENT, "+2,1 điểm %/tháng", "+2.1 percentage points/month"),
        (-0.05, Unit.PERCENT, "-1,5 điểm %/tháng", "-1.5 percentage points/month"),
        (0.0, Unit.PERCENT, "0 điểm %/tháng", "0 percentage points/month"),
        (41.1, Unit.COUNT, "+1.251/tháng", "+1,251/month"),
    ],
)
def test_paces_are_shown_per_month(
    per_day: float, unit: Unit, vietnamese: str, english: str
) -> None:
    assert VIETNAMESE.pace(per_day, unit) == vietnamese
    assert ENGLISH.pace(per_day, unit) == english


def test_days_are_dd_mm_yyyy_in_vietnamese_and_day_month_year_in_english() -> None:
    assert VIETNAMESE.day(date(2023, 6, 30)) == "30/06/2023"
    assert VIETNAMESE.day(date(2023, 3, 1)) == "01/03/2023"
    assert ENGLISH.day(date(2023, 6, 30)) == "30 Jun 2023"


def test_times_are_shown_on_binh_duong_clock_whatever_zone_they_came_in() -> None:
    utc = datetime(2023, 6, 30, 7, 5, tzinfo=UTC)
    tokyo = datetime(2023, 6, 30, 16, 5, tzinfo=timezone(timedelta(hours=9)))
    assert VIETNAMESE.moment(utc) == "14:05 ngày 30/06/2023 (giờ Việt Nam)"
    assert VIETNAMESE.moment(tokyo) == "14:05 ngày 30/06/2023 (giờ Việt Nam)"
    assert ENGLISH.moment(utc) == "14:05, 30 Jun 2023 (ICT)"


def test_an_evening_in_utc_is_the_next_day_in_vietnam() -> None:
    late = datetime(2023, 6, 30, 18, 30, tzinfo=UTC)
    assert VIETNAMESE.moment(late) == "01:30 ngày 01/07/2023 (giờ Việt Nam)"
