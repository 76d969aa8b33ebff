"""Figures and dates as leaders read them: Vietnamese first, English alongside.

Vietnamese writes 1.005.735 and 17,2; English writes 1,005,735 and 17.2. Dates are
days in Vietnam (dd/mm/yyyy, and ISO 8601 in English).
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache

from ioc_catalog.wording import format_number
from ioc_contracts.catalog import Cadence, Language, Unit
from ioc_contracts.types import VIETNAM_TIME

# Rates are shown per month: a leader thinks "two points a month", not "0.066 a day".
DAYS_PER_MONTH = 365.25 / 12

_VALUE_SUFFIX: dict[Unit, tuple[str, str]] = {
    Unit.PERCENT: ("%", "%"),
    Unit.SCORE: (" điểm", " points"),
    Unit.DAYS: (" ngày", " days"),
    Unit.HOURS: (" giờ", " hours"),
    Unit.VND: (" đồng", " VND"),
}
_RATE_UNIT: dict[Unit, tuple[str, str]] = {
    Unit.PERCENT: (" điểm %", " points"),
    Unit.RANK: (" bậc", " places"),
}
_CADENCE_WORDS: dict[Cadence, tuple[str, str]] = {
    Cadence.DAILY: ("hằng ngày", "daily"),
    Cadence.WEEKLY: ("hằng tuần", "weekly"),
    Cadence.MONTHLY: ("hằng tháng", "monthly"),
    Cadence.QUARTERLY: ("hằng quý", "quarterly"),
    Cadence.YEARLY: ("hằng năm", "yearly"),
}


def _pick(pair: tuple[str, str], language: Language) -> str:
    return pair[0] if language is Language.VI else pair[1]


def number(value: float, language: Language, *, signed: bool = False) -> str:
    """At most two decimals, trailing zeros dropped; tiny non-zero values keep two digits."""
    return format_number(value, language, signed=signed, keep_tiny=True)


def quantity(value: float, unit: Unit, language: Language) -> str:
    """A figure with its unit: "37%", "hạng 35" / "rank 35", "12 ngày"."""
    if unit is Unit.RANK:
        return ("hạng " if language is Language.VI else "rank ") + number(value, language)
    return number(value, language) + _pick(_VALUE_SUFFIX.get(unit, ("", "")), language)


def monthly_rate(per_day: float, unit: Unit, language: Language) -> str:
    """A rate per day shown per month: "+2 điểm %/tháng" / "+2 points/month"."""
    default = _VALUE_SUFFIX.get(unit, ("", ""))
    words = _pick(_RATE_UNIT.get(unit, default), language)
    per = "/tháng" if language is Language.VI else "/month"
    return number(per_day * DAYS_PER_MONTH, language, signed=True) + words + per


# Series of one cadence share the instants of their figures, and a pass writes the day
# of every series' latest figure twice: remembered rather than converted each time.
@lru_cache(maxsize=4096)
def day(moment: datetime | date, language: Language) -> str:
    """A day (or the day of an instant, in Vietnam): 30/09/2023 or 2023-09-30."""
    local = moment.astimezone(VIETNAM_TIME).date() if isinstance(moment, datetime) else moment
    return local.strftime("%d/%m/%Y") if language is Language.VI else local.isoformat()


def whole_days(days: float, language: Language) -> str:
    count = int(days)
    return f"{count} ngày" if language is Language.VI else f"{count} day{'s' * (count != 1)}"


def cadence(value: Cadence, language: Language) -> str:
    return _pick(_CADENCE_WORDS[value], language)
