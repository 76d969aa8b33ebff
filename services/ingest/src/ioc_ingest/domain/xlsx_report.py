"""Monthly reports as Excel workbooks (.xlsx), read into the same rows as a CSV report.

Agencies keep their reports in Excel, so the workbook is read as they make it:
- every visible sheet whose header names the required columns is a report sheet; other
  sheets (instructions, the template's list of indicators) are left alone; a report
  sheet whose data rows or report columns are hidden (a filter, say) is refused, naming
  them, and so is a report cell whose formula has no saved value Excel would show
  (`xlsx_unseen`), as is a report cell whose number format shows nothing of its value
  (`;;;`, a blank for zero: `number_formats`) or draws it in its background's colour
  (`cell_colours`): what is sent is what the data officer saw;
- the header may sit below a title block ("BÁO CÁO SỐ LIỆU THÁNG 6/2023", the agency's
  name), and may span two rows: a label merged down over two rows stands in the upper
  one, a group label merged across ("Số liệu") stands above the columns it groups;
- columns are named by their code (`value`) or their Vietnamese label ("Giá trị"), and
  a label may carry the code in brackets ("Giá trị (value)") as the template's do;
  a serial-number column ("STT") and the template's reference columns are ignored;
- numbers and dates as `spreadsheet_cells` reads them;
- a formula's value is the one Excel computed when the file was saved; nothing here
  ever evaluates a formula (one saved without a value Excel computed is refused);
- a row whose numbers and date are all empty is a template line left blank this period.

A workbook is a zip of XML, so a hostile one is bounded before it is opened: the number
of parts and their declared unpacked size (the zip reader never unpacks past what a part
declares), XML entity expansion (defusedxml, which openpyxl uses when installed), and
the rows read, blank ones included.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import openpyxl

from ioc_ingest.domain.cell_colours import hidden_by_colour, text_matches_background
from ioc_ingest.domain.csv_report import (
    NUMBER_COLUMNS,
    REQUIRED_COLUMNS,
    ParsedReport,
    ReportRow,
    with_event_id,
)
from ioc_ingest.domain.number_formats import hidden_by_format, shows_nothing
from ioc_ingest.domain.problems import EventProblem, RequestShapeError
from ioc_ingest.domain.spreadsheet_cells import CellError, read_moment, read_number, read_text
from ioc_ingest.domain.xlsx_header import SheetHeader, header_at

# Re-exported: the API names the workbook's errors through the report reader.
from ioc_ingest.domain.xlsx_header import WorkbookShapeError as WorkbookShapeError
from ioc_ingest.domain.xlsx_unseen import (
    NOTHING_UNSEEN,
    recalculated_on_open,
    refuse_unseen_columns,
    unseen_parts,
    with_unseen,
)

MOMENT_COLUMNS = frozenset({"observed_at", "reported_at"})


@dataclass(frozen=True, slots=True)
class WorkbookLimits:
    """How much of a workbook is read before it is refused as too large."""

    max_rows: int
    max_unpacked_bytes: int
    max_scanned_rows: int = 100_000
    max_columns: int = 64
    max_parts: int = 1_000
    header_search_rows: int = 30


def parse_workbook(data: bytes, *, agency: str, limits: WorkbookLimits) -> ParsedReport:
    """Reads an .xlsx report; WorkbookShapeError when no report can be read from it."""
    _check_archive(data, limits)
    try:
        workbook = openpyxl.load_workbook(
            io.BytesIO(data), read_only=True, data_only=True, keep_links=False
        )
    except Exception as error:  # a hostile file may break the parser anywhere
        raise _unreadable(error) from error
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            rows = _read_sheets(workbook, archive, agency=agency, limits=limits)
    except RequestShapeError:
        raise
    except Exception as error:  # read-only sheets are parsed lazily, while iterating
        raise _unreadable(error) from error
    finally:
        workbook.close()
    if not rows:
        raise WorkbookShapeError(
            "rows", "báo cáo không có dòng số liệu / the report has no data rows"
        )
    return ParsedReport(tuple(rows))


def _check_archive(data: bytes, limits: WorkbookLimits) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        raise WorkbookShapeError(
            None,
            "tệp không phải là bảng tính .xlsx (Excel 2007 trở lên); tệp .xls cũ cần lưu lại "
            "dạng .xlsx / the file is not an .xlsx workbook; save an old .xls file as .xlsx",
        ) from error
    unpacked = sum(part.file_size for part in parts)
    if len(parts) > limits.max_parts or unpacked > limits.max_unpacked_bytes:
        raise WorkbookShapeError(
            None,
            f"bảng tính quá lớn khi giải nén ({unpacked} byte, {len(parts)} phần; tối đa "
            f"{limits.max_unpacked_bytes} byte); hãy chia báo cáo / the workbook unpacks to "
            f"{unpacked} bytes in {len(parts)} parts (at most {limits.max_unpacked_bytes}); "
            "split the report",
        )


def _unreadable(error: Exception) -> WorkbookShapeError:
    return WorkbookShapeError(
        None,
        f"không đọc được bảng tính ({type(error).__name__}); hãy mở và lưu lại bằng Excel / "
        f"the workbook cannot be read ({type(error).__name__}: {str(error)[:200]}); open "
        "and save it again in Excel",
    )


def _read_sheets(
    workbook: Any, archive: zipfile.ZipFile, *, agency: str, limits: WorkbookLimits
) -> list[ReportRow]:
    rows: list[ReportRow] = []
    scanned = 0
    found_header = False
    recalculated = recalculated_on_open(archive)
    for sheet in workbook.worksheets:
        if sheet.sheet_state != "visible":
            continue  # what the data officer does not see is not what they report
        # Nor are hidden rows and columns, or a formula's value Excel never saved: read
        # from the sheet's XML once its report columns are known.
        unseen = NOTHING_UNSEEN
        header: SheetHeader | None = None
        recent: list[list[object]] = []
        for number, cells in enumerate(sheet.iter_rows(max_col=limits.max_columns), start=1):
            scanned += 1
            if scanned > limits.max_scanned_rows:
                raise WorkbookShapeError(
                    None,
                    f"bảng tính có hơn {limits.max_scanned_rows} dòng (kể cả dòng trống đã "
                    f"định dạng) / the workbook has more than {limits.max_scanned_rows} rows "
                    "(formatted blank rows included)",
                    sheet=sheet.title,
                    row=number,
                )
            if header is None or number == header.row + 1:
                recent = [*recent[-1:], [cell.value for cell in cells]]
                # The row under a header may be its second row: "Giá trị, Tử số, Mẫu số"
                # under a group label "Số liệu" merged across them.
                lower = header_at(recent, number, sheet=sheet.title)
                if lower is not None or header is None:
                    header = lower
                    if header is None and number >= limits.header_search_rows:
                        break  # not a report sheet
                    if header is not None:
                        unseen = unseen_parts(
                            archive,
                            sheet._worksheet_path,
                            columns=[position + 1 for position in header.columns],
                            max_rows=limits.max_scanned_rows,
                            recalculated=recalculated,
                        )
                        refuse_unseen_columns(header, unseen, sheet=sheet.title)
                    continue
            row = _read_row(cells, header, index=len(rows), number=number, sheet=sheet.title)
            row = with_unseen(
                row, header, unseen, index=len(rows), number=number, sheet=sheet.title
            )
            if row is None:
                continue
            if len(rows) >= limits.max_rows:
                raise WorkbookShapeError(
                    "rows",
                    f"tối đa {limits.max_rows} dòng số liệu mỗi báo cáo; hãy chia tệp / at most "
                    f"{limits.max_rows} data rows per report; split the file",
                    sheet=sheet.title,
                    row=number,
                )
            rows.append(_with_id(row, agency=agency))
        found_header = found_header or header is not None
    if not found_header:
        raise WorkbookShapeError(
            None,
            "không tìm thấy dòng tiêu đề có các cột " + ", ".join(REQUIRED_COLUMNS) + " (hoặc "
            "Mã chỉ tiêu, Mã phạm vi, Ngày số liệu, Giá trị) / no sheet has a header row naming "
            "the columns " + ", ".join(REQUIRED_COLUMNS),
        )
    return rows


def _with_id(row: ReportRow, *, agency: str) -> ReportRow:
    if row.problems:
        return row
    return ReportRow(
        row.index, row.row, with_event_id(row.fields, agency=agency), row.problems, row.sheet
    )


def _read_row(
    cells: Sequence[Any], header: SheetHeader, *, index: int, number: int, sheet: str
) -> ReportRow | None:
    present = {
        code: cells[position]
        for position, code in header.columns.items()
        if position < len(cells) and _filled(cells[position].value)
    }
    if not present or not any(code in present for code in (*NUMBER_COLUMNS, "observed_at")):
        return None  # blank, or a template line left empty this period
    fields: dict[str, object] = {}
    problems: list[EventProblem] = []
    for code, cell in present.items():
        try:
            fields[code] = _field(code, cell)
        except CellError as error:
            where = f"ô {cell.coordinate}: " if hasattr(cell, "coordinate") else ""
            problems.append(EventProblem(index, code, where + str(error)))
    return ReportRow(index, number, fields, tuple(problems), sheet)


def _field(code: str, cell: Any) -> object:
    if shows_nothing(cell.number_format, cell.value):
        raise CellError(hidden_by_format(cell.number_format))
    if text_matches_background(cell):
        raise CellError(hidden_by_colour())
    if code in NUMBER_COLUMNS:
        return read_number(cell.value, number_format=cell.number_format or "General")
    if code in MOMENT_COLUMNS:
        return read_moment(cell.value).isoformat()
    return read_text(cell.value)


def _filled(value: object) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())
