"""What a worksheet's XML says that its cell values do not: the rows and columns its
reader does not see (hidden, filtered out, of no height or width), and the formulas
whose saved value is not the one Excel shows.

openpyxl's read-only reader gives the cells' saved values and nothing of how they are
shown. A filter hides the rows it leaves out: a data officer who filters the report to
check one department's lines, then sends the file, believes the report is what was on
the screen. And a formula's saved value is what the program that saved the file
computed: Excel saves the value it shows, but a program that cannot compute saves none
(openpyxl) or a zero (XlsxWriter), and marks the workbook to be computed again on
opening (`fullCalcOnLoad`), so Excel shows the right figure and the file holds another.

Read streamed and bounded like the rest of the workbook: defusedxml, a part whose
unpacked size was checked before, each row let go once read, no column past those the
reader reads, no row past its bound, at most `MAX_FORMULAS_NAMED` formulas kept.
"""

from __future__ import annotations

import zipfile
from collections.abc import Collection
from dataclasses import dataclass, replace
from typing import Any

from defusedxml.ElementTree import iterparse
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

from ioc_ingest.domain.csv_report import ReportRow
from ioc_ingest.domain.problems import EventProblem
from ioc_ingest.domain.xlsx_header import SheetHeader, WorkbookShapeError

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_SHEET_DATA, _ROW, _CELL = f"{_MAIN}sheetData", f"{_MAIN}row", f"{_MAIN}c"
_COLS, _COL = f"{_MAIN}cols", f"{_MAIN}col"
_FORMULA, _VALUE = f"{_MAIN}f", f"{_MAIN}v"
# Formulas without a trustworthy value kept to name them; past this the sheet is refused
# whole (`Unseen.too_many_formulas`), so a hostile sheet costs no more memory.
MAX_FORMULAS_NAMED = 1_000


@dataclass(frozen=True, slots=True)
class Unseen:
    rows: frozenset[int]  # hidden rows, numbered as the sheet shows them (from 1)
    columns: frozenset[int]  # hidden columns (A = 1), of those asked about
    formulas: frozenset[str]  # cells ("D5") whose saved value is not Excel's
    too_many_formulas: bool = False


NOTHING_UNSEEN = Unseen(frozenset(), frozenset(), frozenset())


def recalculated_on_open(archive: zipfile.ZipFile) -> bool:
    """Whether the workbook asks to be computed again when opened: then the formulas'
    saved values are not those Excel will show."""
    if "xl/workbook.xml" not in archive.namelist():
        return False
    with archive.open("xl/workbook.xml") as stream:
        for _, element in iterparse(stream, events=("end",)):
            if element.tag == f"{_MAIN}calcPr":
                return element.get("fullCalcOnLoad") in ("1", "true")
    return False


def unseen_parts(
    archive: zipfile.ZipFile,
    part: str,
    *,
    columns: Collection[int],
    max_rows: int,
    recalculated: bool,
) -> Unseen:
    """What the worksheet stored at `part` hides in its rows and in `columns`, and which
    formulas in `columns` hold no value Excel would show (none, or any at all when
    `recalculated`); nothing when the part is not there."""
    if part not in archive.namelist():
        return NOTHING_UNSEEN
    asked = frozenset(columns)
    hidden_rows: set[int] = set()
    hidden_columns: set[int] = set()
    formulas: list[str] = []
    parents: dict[str, Any] = {}
    read = 0
    # Where the row and the cell being read are: a row or a cell may leave out its
    # reference (`r`), its place then following the one before, as openpyxl reads it.
    row_number = column = 0
    with archive.open(part) as stream:
        for event, element in iterparse(stream, events=("start", "end")):
            tag = element.tag
            if event == "start":
                if tag in (_SHEET_DATA, _COLS):
                    parents[tag] = element
                elif tag == _ROW:
                    written = element.get("r")
                    row_number = int(written) if written else row_number + 1
                    column = 0
                continue
            if tag == _CELL:
                written = element.get("r")
                column = _column_of(written) if written else column + 1
                if (
                    column in asked
                    and element.find(_FORMULA) is not None
                    and (recalculated or not _saved_value(element))
                ):
                    formulas.append(f"{get_column_letter(column)}{row_number}")
                    if len(formulas) > MAX_FORMULAS_NAMED:
                        break
            elif tag == _ROW:
                if _hides(element.get("hidden"), element.get("ht")):
                    hidden_rows.add(row_number)
                parents[_SHEET_DATA].clear()  # the rows read so far, cells and all
                read += 1
                if read >= max_rows:
                    break
            elif tag == _COL:
                if _hides(element.get("hidden"), element.get("width")):
                    first, last = int(element.get("min", "0")), int(element.get("max", "0"))
                    # A range may run to the sheet's last column: only those asked count.
                    hidden_columns.update(c for c in asked if first <= c <= last)
                parents[_COLS].clear()
    return Unseen(
        frozenset(hidden_rows),
        frozenset(hidden_columns),
        frozenset(formulas[:MAX_FORMULAS_NAMED]),
        too_many_formulas=len(formulas) > MAX_FORMULAS_NAMED,
    )


def _saved_value(cell: Any) -> bool:
    """Whether the formula's cell holds a value. openpyxl writes an empty `<v/>`; Excel
    writes one too for a formula it computed to empty text, but types that cell `str`."""
    value = cell.find(_VALUE)
    return value is not None and (bool(value.text) or cell.get("t") == "str")


def _column_of(cell: str) -> int:
    try:
        return column_index_from_string(coordinate_from_string(cell)[0])
    except ValueError:
        return 0


def _hides(hidden: str | None, size: str | None) -> bool:
    """`hidden="1"`, or a height or width of zero: either way nothing shows."""
    if hidden in ("1", "true"):
        return True
    try:
        return size is not None and float(size) == 0
    except ValueError:
        return False


HIDDEN_ROW = (
    "dòng này đang bị ẩn (có thể do bộ lọc): hãy hiện mọi dòng (bỏ lọc) rồi gửi lại, hoặc xóa "
    "những dòng không gửi / this row is hidden (by a filter, perhaps): show every row (clear "
    "the filter) and send again, or delete the rows not to send"
)
UNCOMPUTED = (
    "là công thức mà tệp không lưu giá trị Excel hiển thị (tệp được lưu bởi một chương trình "
    "không tính công thức); hãy mở tệp bằng Excel và lưu lại / is a formula whose value, as "
    "Excel shows it, the file does not hold (saved by a program that does not compute "
    "formulas); open the file in Excel and save it again"
)


def refuse_unseen_columns(header: SheetHeader, unseen: Unseen, *, sheet: str) -> None:
    for position, code in header.columns.items():
        if position + 1 in unseen.columns:
            letter = get_column_letter(position + 1)
            raise WorkbookShapeError(
                code,
                f"cột {letter} ({code}) đang bị ẩn; hãy hiện cột rồi gửi lại / column {letter} "
                f"({code}) is hidden; unhide it and send again",
                sheet=sheet,
                row=header.row,
            )
    if unseen.too_many_formulas:
        raise WorkbookShapeError(
            None,
            f"hơn {MAX_FORMULAS_NAMED} ô số liệu là công thức chưa được tính; hãy mở tệp bằng "
            f"Excel và lưu lại / more than {MAX_FORMULAS_NAMED} report cells are formulas "
            "without a computed value; open the file in Excel and save it again",
            sheet=sheet,
        )


def with_unseen(
    row: ReportRow | None,
    header: SheetHeader,
    unseen: Unseen,
    *,
    index: int,
    number: int,
    sheet: str,
) -> ReportRow | None:
    """The row with a problem for each of its report cells the officer did not see as
    read; a row read as blank that has such a cell is no blank line."""
    problems = [
        EventProblem(index, code, f"ô {cell} " + UNCOMPUTED)
        for position, code in header.columns.items()
        if (cell := f"{get_column_letter(position + 1)}{number}") in unseen.formulas
    ]
    if number in unseen.rows and (row is not None or problems):
        problems.append(EventProblem(index, None, HIDDEN_ROW))
    if not problems:
        return row
    if row is None:
        return ReportRow(index, number, {}, tuple(problems), sheet)
    return replace(row, problems=(*row.problems, *problems))
