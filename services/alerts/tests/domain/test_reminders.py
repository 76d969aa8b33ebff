"""The reminder planner: a monthly report due by the 5th, reminded 3 days ahead, escalated
2 days after; closed by a figure; who answers for which series."""

from datetime import datetime, timedelta

import pytest

from ioc_alerts.domain.reminders import (
    ReminderPolicy,
    ReminderStage,
    ReportingDuty,
    plan_reminders,
    reporting_duties,
)
from ioc_contracts.catalog import Cadence
from ioc_contracts.types import VIETNAM_TIME

POLICY = ReminderPolicy(
    lead=timedelta(days=3),
    grace=timedelta(days=2),
    cadences=frozenset({Cadence.WEEKLY, Cadence.MONTHLY, Cadence.QUARTERLY, Cadence.YEARLY}),
)
MONTHLY = ReportingDuty("so-tnmt", "dvc.online-full-rate", "so-tnmt", Cadence.MONTHLY, 5)
SERIES = (MONTHLY.indicator, MONTHLY.scope)


def _vn(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=VIETNAM_TIME)


def _stages(now: str, latest: dict[tuple[str, str], datetime] | None = None) -> list[str]:
    planned = plan_reminders([MONTHLY], latest or {}, _vn(now), POLICY)
    return [f"{r.period.start:%Y-%m} {r.stage}" for r in planned]


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        # June's report is due by 24:00 on 5 July (Vietnam time): reminded from 3 July.
        ("2023-07-02 23:59", []),
        ("2023-07-03 00:00", ["2023-06 due_soon"]),
        ("2023-07-05 23:59", ["2023-06 due_soon"]),
        ("2023-07-06 00:00", ["2023-06 due_soon"]),  # the due moment itself is still in time
        ("2023-07-06 00:01", ["2023-06 overdue"]),
        ("2023-07-07 23:59", ["2023-06 overdue"]),
        ("2023-07-08 00:00", ["2023-06 escalated"]),
        ("2023-07-31 12:00", ["2023-06 escalated"]),
        # Once July's report is due, June is left to the compliance dashboard.
        ("2023-08-06 00:01", ["2023-07 overdue"]),
    ],
)
def test_stages_follow_the_calendar_in_vietnam_time(now: str, expected: list[str]) -> None:
    assert _stages(now, {SERIES: _vn("2023-05-31 17:00")}) == expected


def test_a_period_is_chased_until_the_next_one_falls_due() -> None:
    assert _stages("2023-07-03 00:00") == ["2023-06 due_soon", "2023-05 escalated"]
    assert _stages("2023-07-06 00:01") == ["2023-06 overdue"]


def test_a_figure_for_the_period_closes_it_and_an_older_one_does_not() -> None:
    may = {SERIES: _vn("2023-05-31 17:00")}
    june = {SERIES: _vn("2023-06-30 17:00")}
    assert _stages("2023-07-06 12:00", may) == ["2023-06 overdue"]
    assert _stages("2023-07-06 12:00", june) == []
    # A later period's figure closes the earlier one too: the series is current again.
    assert _stages("2023-07-06 12:00", {SERIES: _vn("2023-07-02 09:00")}) == []


def test_a_series_that_never_reported_is_reminded_before_its_due_day() -> None:
    planned = plan_reminders([MONTHLY], {}, _vn("2023-07-03 08:00"), POLICY)
    # May's report, never sent either, is still chased: its director has been told.
    assert [r.stage for r in planned] == [ReminderStage.DUE_SOON, ReminderStage.ESCALATED]
    assert planned[0].period.due_at == _vn("2023-07-06 00:00")


def test_a_weekly_report_is_reminded_once_its_week_ended() -> None:
    weekly = ReportingDuty("so-xd", "dvc.paperless-rate", "so-xd", Cadence.WEEKLY, 2)
    # The week of 26 June ends on Monday 3 July, due by the end of Tuesday 4 July; three
    # days ahead would be within the week, so the reminder waits for its end.
    reported = {("dvc.paperless-rate", "so-xd"): _vn("2023-06-23 17:00")}
    sunday = plan_reminders([weekly], reported, _vn("2023-07-02 23:00"), POLICY)
    monday = plan_reminders([weekly], reported, _vn("2023-07-03 00:00"), POLICY)
    assert sunday == []
    assert [(r.period.start, r.stage) for r in monday] == [
        (_vn("2023-06-26 00:00"), ReminderStage.DUE_SOON)
    ]


def test_daily_series_are_not_reminded_by_default() -> None:
    daily = ReportingDuty("vp-ubnd", "dvc.ontime-rate", "province", Cadence.DAILY, 1)
    assert plan_reminders([daily], {}, _vn("2023-07-10 12:00"), POLICY) == []


def test_an_agencys_own_scope_is_its_own_and_shared_series_are_everyones() -> None:
    grants = [
        ("so-tnmt", "dvc.online-full-rate", "so-tnmt"),
        ("vp-ubnd", "dvc.online-full-rate", "so-tnmt"),  # may publish it, does not owe it
        ("so-tttt", "da06.essential-services-rate", "province"),
        ("cong-an", "da06.essential-services-rate", "province"),
    ]
    calendars = {
        "dvc.online-full-rate": (Cadence.MONTHLY, 5),
        "da06.essential-services-rate": (Cadence.MONTHLY, 5),
    }
    duties = reporting_duties(grants, calendars)
    assert [(d.agency, d.indicator, d.scope) for d in duties] == [
        ("cong-an", "da06.essential-services-rate", "province"),
        ("so-tnmt", "dvc.online-full-rate", "so-tnmt"),
        ("so-tttt", "da06.essential-services-rate", "province"),
    ]
