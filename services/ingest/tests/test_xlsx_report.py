"""Excel reports read as agencies make them, and hostile workbooks bounded before parsing."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from ioc_contracts.catalog import Unit
from ioc_ingest.domain.csv_report import derived_event_id
from ioc_ingest.domain.report_template import (
    HEADER_ROW,
    REPORT_SHEET,
    TemplateLine,
    allowed_range,
    build_template,
)
from ioc_ingest.domain.xlsx_report import WorkbookLimits, WorkbookShapeError, parse_workbook

AGENCY = "so-tttt"
LIMITS = WorkbookLimits(max_rows=100, max_unpacked_bytes=8 * 1024 * 1024)


def _saved(workbook: Workbook) -> bytes:
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def _sheet(workbook: Workbook, title: str) -> Worksheet:
    sheet = workbook.active
    assert isinstance(sheet, Worksheet)
    sheet.title = title
    return sheet


def quirky_report() -> bytes:
    """A title block, a header merged over two rows, and every kind of cell agencies type."""
    workbook = Workbook()
    sheet = _sheet(workbook, "Tháng 6")
    sheet["A1"] = "BÁO CÁO SỐ LIỆU THÁNG 6/2023 — SỞ THÔNG TIN VÀ TRUYỀN THÔNG"
    sheet.merge_cells("A1:H1")
    sheet["A2"] = "(Kèm theo công văn số 123/STTTT)"
    for column, label in zip(
        "ABCDH", ("STT", "Mã chỉ tiêu", "Mã phạm vi", "Ngày số liệu", "Ghi chú"), strict=True
    ):
        sheet[f"{column}4"] = label
        sheet.merge_cells(f"{column}4:{column}5")
    sheet["E4"] = "Số liệu"
    sheet.merge_cells("E4:G4")
    sheet["E5"], sheet["F5"], sheet["G5"] = "Giá trị", "Tử số", "Mẫu số"
    rows: list[list[str | float | date | None]] = [
        [1, "dvc.paperless-rate", "so-tttt", date(2023, 6, 30), 37.5, 731, 1950, None],
        [
            2,
            "cds.digital-enterprises",
            "province",
            "30/06/2023",
            "8.705.000",
            None,
            None,
            "Ước tính",
        ],
        [3, "dvc.paperless-rate", "so-tttt", "31/07/2023", 0.38, None, None, None],
        [4, "dvc.paperless-rate", "so-tttt", "30/08/2023", "38,5", None, None, None],
        [5, "dvc.paperless-rate", "so-tttt", None, None, None, None, None],  # left blank
        [6, "dvc.paperless-rate", "so-tttt", "31/09/2023", "ba mươi", None, None, None],
    ]
    for offset, cells in enumerate(rows):
        for position, value in enumerate(cells, start=1):
            sheet.cell(6 + offset, position, value)
    sheet["E8"].number_format = "0.0%"
    workbook.create_sheet("Hướng dẫn")["A1"] = "Điền ngày và giá trị"
    hidden = workbook.create_sheet("Cũ")
    hidden.append(["indicator", "scope", "observed_at", "value"])
    hidden.append(["dvc.paperless-rate", "so-tttt", "31/05/2023", 30])
    hidden.sheet_state = "hidden"
    return _saved(workbook)


def test_a_real_workbook_with_its_quirks_reads_into_rows() -> None:
    report = parse_workbook(quirky_report(), agency=AGENCY, limits=LIMITS)
    assert [(row.sheet, row.row) for row in report.rows] == [
        ("Tháng 6", 6),
        ("Tháng 6", 7),
        ("Tháng 6", 8),
        ("Tháng 6", 9),
        ("Tháng 6", 11),
    ]
    first, second, percent, comma, bad = report.rows
    assert first.fields | {"event_id": None} == {
        "indicator": "dvc.paperless-rate",
        "scope": "so-tttt",
        "observed_at": "2023-06-30T00:00:00+07:00",
        "value": 37.5,
        "numerator": 731.0,
        "denominator": 1950.0,
        "event_id": None,
    }
    # The same figure sent as CSV gets the same id: one identity whatever the format.
    csv_fields = {k: v for k, v in first.fields.items() if k != "event_id"}
    csv_fields["observed_at"] = "2023-06-29T17:00:00Z"
    assert first.fields["event_id"] == str(derived_event_id(agency=AGENCY, fields=csv_fields))
    assert second.fields["value"] == 8_705_000.0
    assert second.fields["note"] == "Ước tính"
    assert percent.fields["value"] == pytest.approx(38.0)
    assert comma.fields["value"] == 38.5
    # Every problem of the row, each with its cell: 31/09 does not exist either.
    date_problem, value_problem = bad.problems
    assert date_problem.field == "observed_at"
    assert date_problem.reason.startswith("ô D11: '31/09/2023' không phải là ngày hợp lệ")
    assert value_problem.field == "value"
    assert value_problem.reason.startswith("ô E11: 'ba mươi' không phải là số")
    assert not first.problems
    assert "event_id" not in bad.fields


def test_headers_by_code_and_template_labels_with_reference_columns_ignored() -> None:
    workbook = Workbook()
    sheet = _sheet(workbook, "Báo cáo")
    sheet.append(
        [
            "Mã chỉ tiêu (indicator)",
            "Tên chỉ tiêu (name)",
            "scope",
            "Đơn vị tính (unit)",
            "observed_at",
            "VALUE",
            "Khoảng hợp lệ (range)",
        ]
    )
    sheet.append(
        ["dvc.paperless-rate", "Tỷ lệ …", "so-tttt", "%", datetime(2023, 6, 30, 17), 40, "0 – 100"]
    )
    [row] = parse_workbook(_saved(workbook), agency=AGENCY, limits=LIMITS).rows
    assert set(row.fields) == {"indicator", "scope", "observed_at", "value", "event_id"}
    assert row.fields["observed_at"] == "2023-06-30T17:00:00+07:00"


def test_a_formula_is_never_evaluated() -> None:
    workbook = Workbook()
    sheet = _sheet(workbook, "Báo cáo")
    sheet.append(["indicator", "scope", "observed_at", "value", "note"])
    sheet.append(["dvc.paperless-rate", "so-tttt", "30/06/2023", "=1+1", '=WEBSERVICE("http://x")'])
    [row] = parse_workbook(_saved(workbook), agency=AGENCY, limits=LIMITS).rows
    # No value was saved with either formula: neither is read, both are named (the value
    # Excel would show is not in the file; `test_xlsx_formulas.py` has the rest).
    assert "value" not in row.fields
    assert "note" not in row.fields
    assert [(p.field, p.reason[:4]) for p in row.problems] == [("value", "ô D2"), ("note", "ô E2")]


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda: b"indicator,scope\n", "không phải là bảng tính .xlsx"),
        (
            lambda: _with_header(["indicator", "scope", "when", "value"]),
            "không tìm thấy dòng tiêu đề",
        ),
        (
            lambda: _with_header(["indicator", "scope", "observed_at", "value", "vaule2"]),
            "cột không rõ 'vaule2' ở ô E1",
        ),
        (
            lambda: _with_header(["indicator", "scope", "observed_at", "value", "Giá trị"]),
            "xuất hiện hai lần",
        ),
        (
            lambda: _with_header(["indicator", "scope", "observed_at", "value"]),
            "không có dòng số liệu",
        ),
    ],
)
def test_a_workbook_that_is_no_report_is_refused_whole(
    make: Callable[[], bytes], expected: str
) -> None:
    with pytest.raises(WorkbookShapeError, match=expected):
        parse_workbook(make(), agency=AGENCY, limits=LIMITS)


def _with_header(header: list[str]) -> bytes:
    workbook = Workbook()
    _sheet(workbook, "Báo cáo").append(header)
    return _saved(workbook)


def test_a_zip_bomb_is_refused_before_it_is_unpacked() -> None:
    buffer = io.BytesIO(quirky_report())
    with zipfile.ZipFile(buffer, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/padding.bin", b"\0" * (9 * 1024 * 1024))
    assert len(buffer.getvalue()) < 100_000  # small on the wire, large unpacked
    with pytest.raises(WorkbookShapeError, match="quá lớn khi giải nén"):
        parse_workbook(buffer.getvalue(), agency=AGENCY, limits=LIMITS)


def test_a_sheet_of_a_million_rows_is_refused_after_the_bound() -> None:
    workbook = Workbook()
    sheet = _sheet(workbook, "Báo cáo")
    sheet.append(["indicator", "scope", "observed_at", "value"])
    sheet.cell(1_000_000, 1, "x")
    limits = WorkbookLimits(
        max_rows=100, max_unpacked_bytes=8 * 1024 * 1024, max_scanned_rows=5_000
    )
    with pytest.raises(WorkbookShapeError, match="hơn 5000 dòng") as raised:
        parse_workbook(_saved(workbook), agency=AGENCY, limits=limits)
    assert raised.value.sheet == "Báo cáo"


def test_more_data_rows_than_allowed_are_refused() -> None:
    workbook = Workbook()
    sheet = _sheet(workbook, "Báo cáo")
    sheet.append(["indicator", "scope", "observed_at", "value"])
    for day in range(1, 5):
        sheet.append(["dvc.paperless-rate", "so-tttt", f"{day}/06/2023", day])
    limits = WorkbookLimits(max_rows=3, max_unpacked_bytes=8 * 1024 * 1024)
    with pytest.raises(WorkbookShapeError, match="tối đa 3 dòng"):
        parse_workbook(_saved(workbook), agency=AGENCY, limits=limits)


def test_the_template_reads_back_as_a_report_with_only_its_filled_lines() -> None:
    lines = [
        TemplateLine("dvc.paperless-rate", "Tỷ lệ", Unit.PERCENT, 0.0, 100.0, AGENCY, "Sở TTTT"),
        TemplateLine("cds.digital-enterprises", "DN số", Unit.COUNT, 0.0, None, "province", "Tỉnh"),
    ]
    made = build_template(
        lines, agency=AGENCY, agency_name="Sở TTTT", made_at=datetime(2023, 7, 1, tzinfo=UTC)
    )
    workbook = load_workbook(io.BytesIO(made))
    sheet = workbook[REPORT_SHEET]
    assert sheet["A2"].value.endswith("Mẫu tạo lúc 01/07/2023 07:00 (giờ Việt Nam).")
    assert [allowed_range(line) for line in lines] == ["0 – 100", "≥ 0"]
    sheet.cell(HEADER_ROW + 2, 8, "30/06/2023")
    sheet.cell(HEADER_ROW + 2, 9, 8705)
    output = io.BytesIO()
    workbook.save(output)
    [row] = parse_workbook(output.getvalue(), agency=AGENCY, limits=LIMITS).rows
    assert (row.sheet, row.row) == (REPORT_SHEET, HEADER_ROW + 2)
    assert row.fields["indicator"] == "cds.digital-enterprises"
    assert row.fields["value"] == 8705.0
