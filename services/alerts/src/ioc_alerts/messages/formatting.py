"""Numbers, quantities, paces, days and times as leaders read them, in each language.

Vietnamese writes 1.005.735 and 36,82%, dates as 30/06/2023; English writes 1,005,735,
36.82% and 30 Jun 2023. Times are always shown in Bình Dương's clock
(Asia/Ho_Chi_Minh), whatever zone the server or the figure's timestamp uses, and say
so. Nothing here depends on the machine's locale, so a server set to C or en_US
still writes Vietnamese numbers the Vietnamese way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from ioc_catalog.wording import format_number
from ioc_contracts.catalog import Language, Unit
from ioc_contracts.types import VIETNAM_TIME

# An average calendar month, so a per-day pace scales to "per month" without
# favouring 30- or 31-day months.
DAYS_PER_MONTH = 365.25 / 12

_EN_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# How many decimals a figure of each unit deserves; trailing zeros are dropped.
_DECIMALS: dict[Unit, int] = {
    Unit.PERCENT: 2,
    Unit.COUNT: 2,
    Unit.RANK: 0,
    Unit.RATIO: 3,
    Unit.SCORE: 2,
    Unit.DAYS: 1,
    Unit.HOURS: 1,
    Unit.VND: 0,
}


@dataclass(frozen=True, slots=True)
class Formats:
    """The writing conventions of one language."""

    language: Language
    unit_words: dict[Unit, str]
    """How a quantity is written, with {n} for the number: "hạng {n}", "{n}%"."""
    pace_words: dict[Unit, str]
    """What follows a per-month pace: "điểm %/tháng", "/month"."""

    def number(self, value: float, max_decimals: int = 2) -> str:
        """A number rounded half-up, trailing zeros dropped: 1.005.735, 36,82, 0,5."""
        return format_number(value, self.language, max_decimals=max_decimals)

    def quantity(self, value: float, unit: Unit) -> str:
        """A figure with its unit: "36,82%", "1.005.735", "hạng 35", "12 ngày"."""
        template = self.unit_words.get(unit, "{n}")
        return template.format(n=self.number(value, _DECIMALS.get(unit, 2)))

    def pace(self, per_day: float, unit: Unit) -> str:
        """A per-day rate shown per month, signed: "+2,1 điểm %/tháng"."""
        per_month = per_day * DAYS_PER_MONTH
        decimals = 0 if unit is Unit.COUNT and abs(per_month) >= 10 else 1
        if unit is Unit.VND:
            decimals = 0
        text = self.number(per_month, decimals)
        if not text.startswith("-") and text.strip("0,.") != "":
            text = f"+{text}"
        suffix = self.pace_words.get(unit, "")
        joiner = "" if suffix.startswith("/") else " "
        return f"{text}{joiner}{suffix}"

    def day(self, day: date) -> str:
        if self.language is Language.VI:
            return f"{day.day:02d}/{day.month:02d}/{day.year}"
        return f"{day.day} {_EN_MONTHS[day.month - 1]} {day.year}"

    def moment(self, instant: datetime) -> str:
        """An instant on Bình Dương's clock, labelled as such."""
        local = instant.astimezone(VIETNAM_TIME)
        clock = f"{local.hour:02d}:{local.minute:02d}"
        if self.language is Language.VI:
            return f"{clock} ngày {self.day(local.date())} (giờ Việt Nam)"
        return f"{clock}, {self.day(local.date())} (ICT)"


VIETNAMESE = Formats(
    language=Language.VI,
    unit_words={
        Unit.PERCENT: "{n}%",
        Unit.RANK: "hạng {n}",
        Unit.SCORE: "{n} điểm",
        Unit.DAYS: "{n} ngày",
        Unit.HOURS: "{n} giờ",
        Unit.VND: "{n} đồng",
    },
    pace_words={
        Unit.PERCENT: "điểm %/tháng",
        Unit.COUNT: "/tháng",
        Unit.RANK: "bậc/tháng",
        Unit.RATIO: "/tháng",
        Unit.SCORE: "điểm/tháng",
        Unit.DAYS: "ngày/tháng",
        Unit.HOURS: "giờ/tháng",
        Unit.VND: "đồng/tháng",
    },
)

ENGLISH = Formats(
    language=Language.EN,
    unit_words={
        Unit.PERCENT: "{n}%",
        Unit.RANK: "rank {n}",
        Unit.SCORE: "{n} points",
        Unit.DAYS: "{n} days",
        Unit.HOURS: "{n} hours",
        Unit.VND: "{n} VND",
    },
    pace_words={
        Unit.PERCENT: "percentage points/month",
        Unit.COUNT: "/month",
        Unit.RANK: "places/month",
        Unit.RATIO: "/month",
        Unit.SCORE: "points/month",
        Unit.DAYS: "days/month",
        Unit.HOURS: "hours/month",
        Unit.VND: "VND/month",
    },
)


def formats_for(language: Language) -> Formats:
    return VIETNAMESE if language is Language.VI else ENGLISH
