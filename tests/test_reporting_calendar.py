"""The reporting calendar: the pure rules (ioc_catalog.calendar) and the SQL function the
compliance dashboard reads (ioc.reporting_compliance) give the same answers, on the real
TimescaleDB with the shipped catalog."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import asyncpg
import pytest

from ioc_catalog.calendar import ReportStatus, period_containing, previous_period, report_status
from ioc_contracts.catalog import Cadence
from ioc_contracts.types import VIETNAM_TIME
from ioc_testing import ScratchDatabase


def _vn(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=VIETNAM_TIME)


@pytest.mark.parametrize(
    ("cadence", "due_days", "moment", "start", "end", "due"),
    [
        (Cadence.MONTHLY, 5, "2023-06-30 23:59", "2023-06-01", "2023-07-01", "2023-07-06"),
        (Cadence.WEEKLY, 2, "2023-06-04 10:00", "2023-05-29", "2023-06-05", "2023-06-07"),
        (Cadence.DAILY, 1, "2023-06-30 00:00", "2023-06-30", "2023-07-01", "2023-07-02"),
        (Cadence.QUARTERLY, 10, "2023-12-31 12:00", "2023-10-01", "2024-01-01", "2024-01-11"),
        (Cadence.YEARLY, 15, "2023-01-01 00:00", "2023-01-01", "2024-01-01", "2024-01-16"),
    ],
)
def test_periods_are_calendar_periods_in_vietnam_time(
    cadence: Cadence, due_days: int, moment: str, start: str, end: str, due: str
) -> None:
    period = period_containing(cadence, due_days, _vn(moment))
    assert (period.start, period.end, period.due_at) == (
        _vn(f"{start} 00:00"),
        _vn(f"{end} 00:00"),
        _vn(f"{due} 00:00"),
    )
    # 23:30 UTC on the last day is already the next period in Bình Dương.
    utc_evening = period.end - timedelta(minutes=30)
    assert period_containing(cadence, due_days, utc_evening) == period


def test_the_first_revision_received_decides() -> None:
    june = period_containing(Cadence.MONTHLY, 5, _vn("2023-06-15 00:00"))
    by_the_5th = _vn("2023-07-05 23:59")
    assert report_status(june, by_the_5th, _vn("2023-08-01 00:00")) is ReportStatus.ON_TIME
    assert report_status(june, _vn("2023-07-06 00:01"), _vn("2023-08-01 00:00")) == "late"
    assert report_status(june, None, _vn("2023-07-05 12:00")) is ReportStatus.PENDING
    assert report_status(june, None, _vn("2023-07-06 00:01")) is ReportStatus.MISSING
    # A report the clock has not reached yet (a replay) does not count.
    assert report_status(june, by_the_5th, _vn("2023-07-01 00:00")) is ReportStatus.PENDING
    assert previous_period(Cadence.MONTHLY, 5, june).start == _vn("2023-05-01 00:00")


@pytest.mark.connected
async def test_the_dashboards_function_agrees_with_the_rules(
    catalog_database: ScratchDatabase,
) -> None:
    indicator, scope = "dvc.online-full-rate", "so-tttt"  # monthly, due by the 5th
    received = {
        "2023-03-31 17:00": "2023-04-03 09:00",  # on time
        "2023-04-30 17:00": "2023-05-10 09:00",  # late
        "2023-05-31 17:00": "2023-06-25 09:00",  # after `now`: not in yet
    }
    writer = await asyncpg.connect(catalog_database.dsns["writer"])
    try:
        for observed, arrived in received.items():
            await writer.execute(
                "INSERT INTO ioc.observations (event_id, observed_at, indicator, scope, agency,"
                " value, received_at) VALUES ($1, $2, $3, $4, $4, 40, $5)",
                uuid.uuid4(),
                _vn(observed),
                indicator,
                scope,
                _vn(arrived),
            )
    finally:
        await writer.close()
    now = _vn("2023-06-20 12:00")
    reader = await asyncpg.connect(catalog_database.dsns["reader"])
    try:
        rows = await reader.fetch(
            "SELECT * FROM ioc.reporting_compliance($1, $2, $3)"
            " WHERE indicator = $4 ORDER BY agency, scope, period_start",
            _vn("2023-03-01 00:00"),
            _vn("2023-07-01 00:00"),
            now,
            indicator,
        )
    finally:
        await reader.close()
    mine = [r for r in rows if r["scope"] == scope]
    # Only the department answers for its own scope, though the Office may publish it.
    assert {r["agency"] for r in mine} == {scope}
    assert [r["status"] for r in mine] == ["on_time", "late", "missing", "pending"]
    for row in mine:
        period = period_containing(Cadence.MONTHLY, 5, row["period_start"])
        assert (row["period_start"], row["period_end"], row["due_at"]) == (
            period.start,
            period.end,
            period.due_at,
        )
        assert report_status(period, row["first_received_at"], now) == row["status"]
    # Every department and district answers for its own series of the indicator.
    assert len({r["agency"] for r in rows}) == 28
