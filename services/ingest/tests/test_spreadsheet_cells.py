"""Cells as Vietnamese offices type them: decimal commas, dotted thousands, day-first dates."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from ioc_contracts.types import VIETNAM_TIME
from ioc_ingest.domain.spreadsheet_cells import CellError, read_moment, read_number, read_text


@pytest.mark.parametrize(
    ("cell", "number_format", "expected"),
    [
        (37.5, "General", 37.5),
        (1893, "#,##0", 1893.0),
        (0.375, "0.0%", 37.5),
        ("36,82", "General", 36.82),
        ("36.82", "@", 36.82),
        ("1.893.000", "@", 1_893_000.0),
        ("1.005.735,5", "@", 1_005_735.5),
        ("1,005,735", "@", 1_005_735.0),
        ("1 893", "@", 1893.0),
        ("1\u00a0893,25", "@", 1893.25),
        ("37,5%", "@", 37.5),
        ("  697 ", "@", 697.0),
    ],
)
def test_numbers_read_as_they_are_shown(cell: object, number_format: str, expected: float) -> None:
    assert read_number(cell, number_format=number_format) == pytest.approx(expected)


@pytest.mark.parametrize("cell", ["1.893", "1,893", "-2.500"])
def test_a_number_that_reads_two_ways_is_refused_not_guessed(cell: str) -> None:
    with pytest.raises(CellError, match="có thể hiểu hai cách"):
        read_number(cell)


@pytest.mark.parametrize("cell", ["ba mươi", "12..5", True, datetime(2023, 6, 30)])
def test_what_is_not_a_number_is_refused_in_vietnamese_first(cell: object) -> None:
    with pytest.raises(CellError) as raised:
        read_number(cell)
    assert " / " in str(raised.value)  # Vietnamese, then English


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (date(2023, 6, 30), datetime(2023, 6, 30, tzinfo=VIETNAM_TIME)),
        (datetime(2023, 6, 30, 17, 0), datetime(2023, 6, 30, 17, tzinfo=VIETNAM_TIME)),
        ("30/06/2023", datetime(2023, 6, 30, tzinfo=VIETNAM_TIME)),
        ("30/6/2023 17:00", datetime(2023, 6, 30, 17, tzinfo=VIETNAM_TIME)),
        ("30-06-2023", datetime(2023, 6, 30, tzinfo=VIETNAM_TIME)),
        ("2023-06-30T17:00:00+07:00", datetime(2023, 6, 30, 17, tzinfo=VIETNAM_TIME)),
        ("2023-06-30", datetime(2023, 6, 30, tzinfo=VIETNAM_TIME)),
        (45107, datetime(2023, 6, 30, tzinfo=VIETNAM_TIME)),
        (45107.7083333333, datetime(2023, 6, 30, 17, tzinfo=VIETNAM_TIME)),
    ],
)
def test_dates_as_dates_serials_or_day_first_text(cell: object, expected: datetime) -> None:
    assert read_moment(cell) == expected


@pytest.mark.parametrize("cell", ["06/30/2023", "31/02/2023", "tháng 6", 12.0, None])
def test_what_is_not_a_date_is_refused(cell: object) -> None:
    with pytest.raises(CellError):
        read_moment(cell)


def test_codes_typed_as_numbers_are_their_shortest_text() -> None:
    assert read_text(12.0) == "12"
    assert read_text(" so-tttt ") == "so-tttt"
