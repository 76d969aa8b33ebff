"""The reporting calendar: which period a figure belongs to, when its report is due, and
whether it came on time.

Periods are calendar periods in Vietnam time (a day, an ISO week from Monday, a month,
a quarter, a year). A period's figure is due by the end of its indicator's due day after
the period ends: monthly with due day 5 means by 24:00 on the 5th of the next month.
The SQL function `ioc.reporting_compliance` (migration 0012) applies the same rules to
the ledger for the dashboard; tests hold the two to the same answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache

from ioc_contracts.catalog import Cadence
from ioc_contracts.types import VIETNAM_TIME


class ReportStatus(StrEnum):
    ON_TIME = "on_time"
    LATE = "late"
    MISSING = "missing"
    # Not due yet and not in: the period still runs or its due day has not passed.
    PENDING = "pending"


@dataclass(frozen=True, slots=True)
class ReportingPeriod:
    """[start, end) in Vietnam time, and the moment its figure is due."""

    start: datetime
    end: datetime
    due_at: datetime


# Figures of one cadence share their instants (month ends, say), and the alert pass asks
# for the period of every series' latest figure: a period is remembered, not recomputed.
# Equal instants in other time zones share an entry; the period depends on the instant.
@lru_cache(maxsize=4096)
def period_containing(cadence: Cadence, due_days: int, moment: datetime) -> ReportingPeriod:
    local = moment.astimezone(VIETNAM_TIME).date()
    start = _period_start(cadence, local)
    end = _next_start(cadence, start)
    return ReportingPeriod(_midnight(start), _midnight(end), _midnight(end + timedelta(due_days)))


def previous_period(cadence: Cadence, due_days: int, period: ReportingPeriod) -> ReportingPeriod:
    return period_containing(cadence, due_days, period.start - timedelta(seconds=1))


def report_status(
    period: ReportingPeriod, first_received_at: datetime | None, now: datetime
) -> ReportStatus:
    """How the period's report stands at `now`: the first revision received decides."""
    if first_received_at is not None and first_received_at <= now:
        return ReportStatus.ON_TIME if first_received_at <= period.due_at else ReportStatus.LATE
    return ReportStatus.MISSING if now > period.due_at else ReportStatus.PENDING


def _period_start(cadence: Cadence, day: date) -> date:
    if cadence is Cadence.DAILY:
        return day
    if cadence is Cadence.WEEKLY:
        return day - timedelta(days=day.weekday())
    if cadence is Cadence.MONTHLY:
        return day.replace(day=1)
    if cadence is Cadence.QUARTERLY:
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return date(day.year, 1, 1)


def _next_start(cadence: Cadence, start: date) -> date:
    if cadence is Cadence.DAILY:
        return start + timedelta(days=1)
    if cadence is Cadence.WEEKLY:
        return start + timedelta(days=7)
    months = {Cadence.MONTHLY: 1, Cadence.QUARTERLY: 3, Cadence.YEARLY: 12}[cadence]
    index = start.year * 12 + start.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=VIETNAM_TIME)
