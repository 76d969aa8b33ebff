"""Figures and dates in Vietnamese and English."""

from datetime import UTC, date, datetime

import pytest

from ioc_alerts.domain import wording
from ioc_contracts.catalog import Cadence, Language, Unit

VI, EN = Language.VI, Language.EN


@pytest.mark.parametrize(
    ("value", "vi", "en"),
    [
        (1005735, "1.005.735", "1,005,735"),
        (17.2, "17,2", "17.2"),
        (36.8246, "36,82", "36.82"),
        (100.0, "100", "100"),
        (0.0, "0", "0"),
        (0.0012, "0,0012", "0.0012"),
        (-2.5, "-2,5", "-2.5"),
    ],
)
def test_numbers(value: float, vi: str, en: str) -> None:
    assert wording.number(value, VI) == vi
    assert wording.number(value, EN) == en


def test_signed_numbers_show_the_plus() -> None:
    assert wording.number(2.0, EN, signed=True) == "+2"
    assert wording.number(-2.0, EN, signed=True) == "-2"
    assert wording.number(0.0, EN, signed=True) == "0"


@pytest.mark.parametrize(
    ("value", "unit", "vi", "en"),
    [
        (37.0, Unit.PERCENT, "37%", "37%"),
        (35.0, Unit.RANK, "hạng 35", "rank 35"),
        (12.0, Unit.DAYS, "12 ngày", "12 days"),
        (586.0, Unit.COUNT, "586", "586"),
        (87.5, Unit.SCORE, "87,5 điểm", "87.5 points"),
    ],
)
def test_quantities(value: float, unit: Unit, vi: str, en: str) -> None:
    assert wording.quantity(value, unit, VI) == vi
    assert wording.quantity(value, unit, EN) == en


def test_rates_are_shown_per_month() -> None:
    per_day = 2 / wording.DAYS_PER_MONTH

    assert wording.monthly_rate(per_day, Unit.PERCENT, VI) == "+2 điểm %/tháng"
    assert wording.monthly_rate(per_day, Unit.PERCENT, EN) == "+2 points/month"
    assert wording.monthly_rate(-per_day, Unit.COUNT, EN) == "-2/month"


def test_days_are_days_in_vietnam() -> None:
    evening_utc = datetime(2023, 9, 30, 17, 30, tzinfo=UTC)  # 00:30 on 1/10 in Bình Dương

    assert wording.day(evening_utc, VI) == "01/10/2023"
    assert wording.day(evening_utc, EN) == "2023-10-01"
    assert wording.day(date(2023, 6, 30), VI) == "30/06/2023"


def test_whole_days_and_cadence() -> None:
    assert wording.whole_days(1.9, EN) == "1 day"
    assert wording.whole_days(61.2, VI) == "61 ngày"
    assert wording.cadence(Cadence.MONTHLY, VI) == "hằng tháng"
    assert wording.cadence(Cadence.QUARTERLY, EN) == "quarterly"
