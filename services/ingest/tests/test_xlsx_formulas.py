"""A report cell that is a formula is read as the value saved with it, which is what
Excel showed only when Excel saved the file. A program that cannot compute saves no value
(openpyxl) or a zero (XlsxWriter) and marks the workbook to be computed on opening
(`fullCalcOnLoad`): Excel then shows the right figure, the file holds another. Such a
cell is refused, named; a formula Excel computed and saved is read as its value."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime

import pytest

from ioc_ingest.domain.report_template import build_template
from ioc_ingest.domain.xlsx_report import WorkbookLimits, WorkbookShapeError, parse_workbook
from ioc_ingest.domain.xlsx_unseen import MAX_FORMULAS_NAMED, UNCOMPUTED, recalculated_on_open

from .workbooks import AGENCY, SHEET_XML, WORKBOOK_XML, report, saved, without_references

LIMITS = WorkbookLimits(max_rows=2_000, max_unpacked_bytes=8 * 1024 * 1024)
# openpyxl marks every workbook it saves to be computed on opening; Excel does not.
AS_EXCEL_SAVES = ('fullCalcOnLoad="1"', 'fullCalcOnLoad="0"')


@pytest.mark.parametrize("referenced", [True, False], ids=["as written", "no references"])
def test_a_formula_saved_without_a_value_is_refused_naming_its_cell(referenced: bool) -> None:
    workbook, sheet = report()
    sheet["D4"] = "=30+2"
    data = saved(workbook) if referenced else without_references(saved(workbook))
    rows = parse_workbook(data, agency=AGENCY, limits=LIMITS).rows
    refused = {row.row: [(p.field, p.reason) for p in row.problems] for row in rows if row.problems}
    assert refused == {4: [("value", "ô D4 " + UNCOMPUTED)]}
    assert UNCOMPUTED.startswith("là công thức mà tệp không lưu giá trị Excel hiển thị")


@pytest.mark.parametrize(
    ("saved_value", "as_excel", "read"),
    [
        ("32", True, 32.0),  # Excel computed and saved it: read as its value
        ("0", False, None),  # XlsxWriter's zero, the workbook to be computed on opening
        ("32", False, None),  # any value, when the workbook says it is not computed
    ],
)
def test_a_formula_is_read_only_when_excel_computed_its_value(
    saved_value: str, as_excel: bool, read: float | None
) -> None:
    workbook, sheet = report()
    sheet["D4"] = "=30+2"
    patches = {SHEET_XML: _formula_cell(saved_value)}
    if as_excel:
        patches[WORKBOOK_XML] = AS_EXCEL_SAVES
    rows = parse_workbook(saved(workbook, patches), agency=AGENCY, limits=LIMITS).rows
    [fourth] = [row for row in rows if row.row == 4]
    if read is None:
        assert [p.field for p in fourth.problems] == ["value"]
    else:
        assert (fourth.fields["value"], fourth.problems) == (read, ())


def _formula_cell(value: str) -> tuple[str, str]:
    """openpyxl writes the formula with an empty `<v />`: the cell as a program that
    computed it (or XlsxWriter) writes it instead."""
    return ("<f>30+2</f><v />", f"<f>30+2</f><v>{value}</v>")


def test_a_row_of_formulas_alone_is_no_blank_line() -> None:
    """Read as values, a row whose date and number are uncomputed formulas is empty, and
    an empty row is a template line left blank: it would vanish without a word."""
    workbook, sheet = report()
    sheet["C4"], sheet["D4"] = "=DATE(2023,6,2)", "=30+2"
    rows = parse_workbook(saved(workbook), agency=AGENCY, limits=LIMITS).rows
    [fourth] = [row for row in rows if row.row == 4]
    assert sorted(p.field for p in fourth.problems if p.field) == ["observed_at", "value"]


def test_formulas_outside_the_report_columns_change_nothing() -> None:
    workbook, sheet = report()
    sheet["H4"] = "=SUM(D3:D6)"  # a total beside the report, under no header
    rows = parse_workbook(saved(workbook), agency=AGENCY, limits=LIMITS).rows
    assert all(not row.problems for row in rows)


def test_more_formulas_than_are_named_refuse_the_sheet_whole() -> None:
    workbook, sheet = report(rows=MAX_FORMULAS_NAMED + 1)
    for number in range(3, MAX_FORMULAS_NAMED + 4):
        sheet[f"D{number}"] = "=30+2"
    with pytest.raises(WorkbookShapeError, match=f"hơn {MAX_FORMULAS_NAMED} ô số liệu"):
        parse_workbook(saved(workbook), agency=AGENCY, limits=LIMITS)


def test_a_formula_excel_computed_to_empty_text_is_an_empty_cell() -> None:
    """`=IF(D3>50, "cao", "")` as Excel saves it when the text is empty: a `str` cell
    with an empty value; the note is left out, nothing refused."""
    workbook, sheet = report()
    sheet["E4"] = '=IF(D4>50,"cao","")'
    patches = {
        SHEET_XML: (
            '<c r="E4"><f>IF(D4&gt;50,"cao","")</f><v /></c>',
            '<c r="E4" t="str"><f>IF(D4&gt;50,"cao","")</f><v /></c>',
        ),
        WORKBOOK_XML: AS_EXCEL_SAVES,
    }
    rows = parse_workbook(saved(workbook, patches), agency=AGENCY, limits=LIMITS).rows
    [fourth] = [row for row in rows if row.row == 4]
    assert fourth.problems == ()
    assert "note" not in fourth.fields


def test_the_template_is_not_marked_to_be_computed_on_opening() -> None:
    """A program that keeps the mark when the officer fills the template would make every
    formula the officer typed read as uncomputed."""
    template = build_template(
        [], agency=AGENCY, agency_name="Sở Thông tin và Truyền thông", made_at=datetime.now(UTC)
    )
    with zipfile.ZipFile(io.BytesIO(template)) as archive:
        assert not recalculated_on_open(archive)
