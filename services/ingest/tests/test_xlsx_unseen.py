"""Rows and columns a data officer does not see in an Excel report: hidden by hand, left
out by a filter, or of no height or width. What is sent must be what was on the screen,
so a report sheet with data in any of them is refused, naming them; blank hidden rows,
hidden title rows and hidden sheets (the template's lists) change nothing."""

from __future__ import annotations

import io
import zipfile
from typing import TYPE_CHECKING

import pytest

from ioc_ingest.api.xlsx import XLSX_MEDIA_TYPE
from ioc_ingest.domain.xlsx_report import WorkbookLimits, WorkbookShapeError, parse_workbook
from ioc_ingest.domain.xlsx_unseen import HIDDEN_ROW, unseen_parts

from .workbooks import AGENCY, SHEET_XML, report, saved, without_references

if TYPE_CHECKING:
    from .conftest import IssueKey, StartIngest, TopicSize

LIMITS = WorkbookLimits(max_rows=100, max_unpacked_bytes=8 * 1024 * 1024)


@pytest.mark.parametrize("referenced", [True, False], ids=["as written", "no references"])
def test_a_row_left_out_by_a_filter_or_hidden_by_hand_is_named_and_refused(
    referenced: bool,
) -> None:
    workbook, sheet = report()
    sheet.auto_filter.ref = "A2:E6"
    sheet.row_dimensions[4].hidden = True  # what a filter on a department does
    # Row 6 dragged shut by hand: Excel writes a height of zero.
    shut = ('<row r="6">', '<row r="6" ht="0" customHeight="1">')
    data = saved(workbook, {SHEET_XML: shut})
    rows = parse_workbook(
        data if referenced else without_references(data), agency=AGENCY, limits=LIMITS
    ).rows
    refused = {row.row: [p.reason for p in row.problems] for row in rows if row.problems}
    assert refused == {4: [HIDDEN_ROW], 6: [HIDDEN_ROW]}
    assert HIDDEN_ROW.startswith("dòng này đang bị ẩn (có thể do bộ lọc)")
    assert [row.row for row in rows if not row.problems] == [3, 5]


@pytest.mark.parametrize("how", ["hidden", "width 0"])
def test_a_hidden_report_column_refuses_the_sheet_naming_it(how: str) -> None:
    workbook, sheet = report()
    shut = None
    if how == "hidden":
        sheet.column_dimensions["D"].hidden = True
    else:
        sheet.column_dimensions["D"].width = 5
        shut = ('width="5"', 'width="0"')
    with pytest.raises(WorkbookShapeError, match=r"cột D \(value\) đang bị ẩn") as refused:
        parse_workbook(
            saved(workbook, {SHEET_XML: shut} if shut else None), agency=AGENCY, limits=LIMITS
        )
    assert refused.value.field == "value"


def test_hidden_blank_rows_title_rows_and_other_columns_change_nothing() -> None:
    workbook, sheet = report()
    sheet.row_dimensions[1].hidden = True  # the title
    sheet.row_dimensions[9].hidden = True  # blank, below the figures
    sheet.column_dimensions["G"].hidden = True  # no report column there
    rows = parse_workbook(saved(workbook), agency=AGENCY, limits=LIMITS).rows
    assert [(row.row, row.problems) for row in rows] == [(n, ()) for n in (3, 4, 5, 6)]


def test_a_range_of_hidden_columns_and_an_absent_part_are_read_within_the_bounds() -> None:
    """Columns other than those asked about and rows past the bound are not looked at: a
    hostile sheet's `<col min="1" max="16384">` costs the report's columns, not 16,384."""
    workbook, sheet = report()
    sheet.column_dimensions.group("B", "E", hidden=True)
    sheet.row_dimensions[2].hidden = True
    sheet.row_dimensions[5].hidden = True
    data = saved(workbook)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        first_rows = unseen_parts(
            archive, SHEET_XML, columns=[1, 2, 3, 4], recalculated=False, max_rows=3
        )
        assert first_rows.rows == frozenset({2})
        parts = unseen_parts(
            archive, SHEET_XML, columns=[1, 2, 3, 4], recalculated=False, max_rows=100
        )
        absent = unseen_parts(
            archive,
            "xl/worksheets/sheet9.xml",
            columns=[1, 2, 3, 4],
            recalculated=False,
            max_rows=100,
        )
        assert absent.columns == set()
    assert parts.columns == frozenset({2, 3, 4})  # E is not among those asked about
    assert parts.rows == frozenset({2, 5})


@pytest.mark.connected
async def test_the_gateway_refuses_a_filtered_report_and_publishes_none_of_it(
    start_ingest: StartIngest, issue_key: IssueKey, topic: str, topic_size: TopicSize
) -> None:
    workbook, sheet = report()
    sheet.auto_filter.ref = "A2:E6"
    sheet.row_dimensions[5].hidden = True
    key = (await issue_key(AGENCY)).key
    async with start_ingest(ingest_topic=topic) as ingest:
        answer = await ingest.client.post(
            "/v1/reports/xlsx",
            content=saved(workbook),
            headers={"X-API-Key": key, "Content-Type": XLSX_MEDIA_TYPE},
        )
    assert answer.status_code == 422, answer.text
    [error] = answer.json()["errors"]
    assert (error["sheet"], error["row"]) == ("Báo cáo", 5)
    assert error["reason"] == HIDDEN_ROW
    assert await topic_size(topic) == 0
