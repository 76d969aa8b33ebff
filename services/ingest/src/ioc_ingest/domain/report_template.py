"""The Excel template an agency downloads: one line per indicator and scope it is granted.

The data officer fills the date and the value (and numerator and denominator for rates)
and uploads the file as it is: the reader (`xlsx_report`) finds the header under the
title block, ignores the reference columns and skips the lines left blank. Codes stay
in brackets in every header so the file reads the same whatever language the labels
are edited into. Excel itself checks each value against the indicator's allowed range
as it is typed (data validation), before the gateway does.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from ioc_contracts.catalog import Unit
from ioc_contracts.types import VIETNAM_TIME

REPORT_SHEET = "Báo cáo"
REFERENCE_SHEET = "Danh mục"
TITLE_ROWS = 3
HEADER_ROW = TITLE_ROWS + 1

# (header label, column code, width): the codes are what `xlsx_report` reads.
COLUMNS = (
    ("STT", "stt", 6),
    ("Mã chỉ tiêu (indicator)", "indicator", 30),
    ("Tên chỉ tiêu (name)", "name", 48),
    ("Mã phạm vi (scope)", "scope", 16),
    ("Tên phạm vi (scope_name)", "scope_name", 28),
    ("Đơn vị tính (unit)", "unit", 12),
    ("Khoảng hợp lệ (range)", "range", 18),
    ("Ngày số liệu (observed_at)", "observed_at", 16),
    ("Giá trị (value)", "value", 14),
    ("Tử số (numerator)", "numerator", 12),
    ("Mẫu số (denominator)", "denominator", 12),
    ("Ghi chú (note)", "note", 30),
)
_POSITION = {code: index + 1 for index, (_, code, _) in enumerate(COLUMNS)}

UNIT_WORDS = {
    Unit.PERCENT: "%",
    Unit.COUNT: "số lượng",
    Unit.RANK: "thứ hạng",
    Unit.RATIO: "tỷ lệ",
    Unit.SCORE: "điểm",
    Unit.DAYS: "ngày",
    Unit.HOURS: "giờ",
    Unit.VND: "đồng",
}
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")


@dataclass(frozen=True, slots=True)
class TemplateLine:
    """One series the agency may report: an indicator for a scope, with what it must be."""

    indicator: str
    indicator_name: str
    unit: Unit
    min_value: float | None
    max_value: float | None
    scope: str
    scope_name: str


def build_template(
    lines: Sequence[TemplateLine], *, agency: str, agency_name: str, made_at: datetime
) -> bytes:
    """The template as .xlsx bytes; `made_at` is shown in Vietnam's time."""
    workbook = Workbook()
    report = workbook.active
    assert isinstance(report, Worksheet)  # a new workbook always has its first sheet
    report.title = REPORT_SHEET
    _title(report, agency=agency, agency_name=agency_name, made_at=made_at)
    _header(report)
    for number, line in enumerate(lines, start=1):
        _line(report, HEADER_ROW + number, number, line)
    _validations(report, lines)
    report.freeze_panes = f"{get_column_letter(_POSITION['observed_at'])}{HEADER_ROW + 1}"
    _reference(workbook.create_sheet(REFERENCE_SHEET), lines)
    # openpyxl marks what it saves to be computed on opening; the template has no
    # formula, and a program that keeps the mark would make the officer's own formulas
    # read as uncomputed (`xlsx_unseen`).
    assert workbook.calculation is not None
    workbook.calculation.fullCalcOnLoad = False
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def allowed_range(line: TemplateLine) -> str:
    """The range in words: "0 – 100", "≥ 0", or "" when the catalog sets none."""
    low, high = line.min_value, line.max_value
    if low is not None and high is not None:
        return f"{_number(low)} – {_number(high)}"
    if low is not None:
        return f"≥ {_number(low)}"
    if high is not None:
        return f"≤ {_number(high)}"
    return ""


def _title(report: Worksheet, *, agency: str, agency_name: str, made_at: datetime) -> None:
    report["A1"] = f"BÁO CÁO SỐ LIỆU CHỈ TIÊU — {agency_name} ({agency})"
    report["A1"].font = Font(bold=True, size=14)
    shown = made_at.astimezone(VIETNAM_TIME).strftime("%d/%m/%Y %H:%M")
    report["A2"] = (
        "Điền ngày số liệu (ngày/tháng/năm) và giá trị; không sửa mã chỉ tiêu và mã phạm vi; "
        f"dòng để trống không được gửi. Mẫu tạo lúc {shown} (giờ Việt Nam)."
    )
    report["A2"].font = Font(italic=True)
    report.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(COLUMNS))
    report.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(COLUMNS))


def _header(report: Worksheet) -> None:
    for position, (label, _, width) in enumerate(COLUMNS, start=1):
        cell = report.cell(HEADER_ROW, position, label)
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        report.column_dimensions[get_column_letter(position)].width = width


def _line(report: Worksheet, row: int, number: int, line: TemplateLine) -> None:
    values: dict[str, str | int] = {
        "stt": number,
        "indicator": line.indicator,
        "name": line.indicator_name,
        "scope": line.scope,
        "scope_name": line.scope_name,
        "unit": UNIT_WORDS.get(line.unit, str(line.unit)),
        "range": allowed_range(line),
    }
    for code, value in values.items():
        report.cell(row, _POSITION[code], value)
    report.cell(row, _POSITION["observed_at"]).number_format = "DD/MM/YYYY"
    for code in ("observed_at", "value", "numerator", "denominator", "note"):
        report.cell(row, _POSITION[code]).fill = _INPUT_FILL


def _validations(report: Worksheet, lines: Sequence[TemplateLine]) -> None:
    """One list-free range check per distinct range, on the value cells it applies to."""
    by_range: dict[tuple[float | None, float | None], list[str]] = {}
    letter = get_column_letter(_POSITION["value"])
    for number, line in enumerate(lines, start=1):
        if line.min_value is None and line.max_value is None:
            continue
        cells = by_range.setdefault((line.min_value, line.max_value), [])
        cells.append(f"{letter}{HEADER_ROW + number}")
    for (low, high), cells in by_range.items():
        check = _range_check(low, high)
        check.error = f"Giá trị phải trong khoảng {_range_words(low, high)}"
        check.errorTitle = "Giá trị ngoài khoảng hợp lệ"
        check.showErrorMessage = True
        for cell in cells:
            check.add(cell)
        report.add_data_validation(check)


def _range_check(low: float | None, high: float | None) -> DataValidation:
    if low is not None and high is not None:
        return DataValidation("decimal", "between", str(low), str(high), allow_blank=True)
    if low is not None:
        return DataValidation("decimal", "greaterThanOrEqual", str(low), allow_blank=True)
    return DataValidation("decimal", "lessThanOrEqual", str(high), allow_blank=True)


def _range_words(low: float | None, high: float | None) -> str:
    return allowed_range(TemplateLine("", "", Unit.COUNT, low, high, "", ""))


def _reference(sheet: Worksheet, lines: Sequence[TemplateLine]) -> None:
    """Each indicator once, with its unit, range and every scope granted for it."""
    sheet.append(["Mã chỉ tiêu", "Tên chỉ tiêu", "Đơn vị tính", "Khoảng hợp lệ", "Phạm vi"])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    scopes: dict[str, list[str]] = {}
    first: dict[str, TemplateLine] = {}
    for line in lines:
        scopes.setdefault(line.indicator, []).append(line.scope)
        first.setdefault(line.indicator, line)
    for code, line in first.items():
        sheet.append(
            [
                code,
                line.indicator_name,
                UNIT_WORDS.get(line.unit, str(line.unit)),
                allowed_range(line),
                ", ".join(scopes[code]),
            ]
        )
    for letter, width in zip("ABCDE", (30, 48, 12, 18, 40), strict=True):
        sheet.column_dimensions[letter].width = width


def _number(value: float) -> str:
    """Vietnamese writing: 1.000.000 and 0,5."""
    text = f"{value:,.6f}".rstrip("0").rstrip(".")
    return text.replace(",", " ").replace(".", ",").replace(" ", ".")
