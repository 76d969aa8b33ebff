"""Finding a report sheet's header: the row (or two rows) whose labels name the columns.

A column is named by its code (`value`), its Vietnamese label ("Giá trị"), or a label
carrying the code in brackets ("Giá trị (value)"); labels are compared in lower case with
single spaces, a trailing colon or asterisk ignored.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from openpyxl.utils import get_column_letter

from ioc_ingest.domain.csv_report import OPTIONAL_COLUMNS, REQUIRED_COLUMNS
from ioc_ingest.domain.problems import RequestShapeError

# Columns a person reads and the report does not: the template's reference columns.
REFERENCE_COLUMNS = ("stt", "name", "unit", "range", "scope_name")

# Labels agencies write, normalised (lower case, single spaces), by column code.
COLUMN_LABELS: dict[str, tuple[str, ...]] = {
    "indicator": ("mã chỉ tiêu", "chỉ tiêu"),
    "scope": ("mã phạm vi", "phạm vi", "mã đơn vị"),
    "observed_at": ("ngày số liệu", "thời điểm số liệu", "thời điểm", "ngày"),
    "value": ("giá trị", "số liệu"),
    "numerator": ("tử số",),
    "denominator": ("mẫu số",),
    "note": ("ghi chú",),
    "event_id": ("mã sự kiện",),
    "source": ("nguồn", "nguồn số liệu"),
    "reported_at": ("ngày báo cáo", "thời điểm báo cáo"),
    "stt": ("số thứ tự", "tt"),
    "name": ("tên chỉ tiêu",),
    "unit": ("đơn vị tính", "đvt"),
    "range": ("khoảng hợp lệ", "giá trị hợp lệ"),
    "scope_name": ("tên phạm vi", "tên đơn vị"),
}
_CODES = frozenset(REQUIRED_COLUMNS) | frozenset(OPTIONAL_COLUMNS) | frozenset(REFERENCE_COLUMNS)
_BY_LABEL = {label: code for code, labels in COLUMN_LABELS.items() for label in labels} | {
    code: code for code in _CODES
}
_BRACKETED = re.compile(r"\(([a-z_]+)\)\s*$")


class WorkbookShapeError(RequestShapeError):
    """The workbook, or one sheet's header, cannot be read as a report."""

    def __init__(
        self, field: str | None, reason: str, *, sheet: str | None = None, row: int | None = None
    ) -> None:
        super().__init__(field, reason)
        self.sheet = sheet
        self.row = row


@dataclass(frozen=True, slots=True)
class SheetHeader:
    row: int
    columns: dict[int, str]  # 0-based column position → column code


def header_at(recent: Sequence[Sequence[object]], number: int, *, sheet: str) -> SheetHeader | None:
    """The header ending at row `number`, if that row (with the one above for labels
    merged over two rows) names every required column."""
    current = recent[-1]
    above = recent[-2] if len(recent) > 1 else ()
    columns: dict[int, str] = {}
    unknown: list[tuple[int, str]] = []
    for position, label in enumerate(current):
        code = _column_code(label)
        if label is None or (isinstance(label, str) and not label.strip()):
            # Merged down from the row above, or a blank header cell.
            code = _column_code(above[position]) if position < len(above) else None
            if code is None:
                continue
        elif code is None:
            unknown.append((position, str(label)))
            continue
        columns[position] = code
    codes = list(columns.values())
    if not all(code in codes for code in REQUIRED_COLUMNS):
        return None
    if unknown:
        position, label = unknown[0]
        raise WorkbookShapeError(
            label[:64],
            f"cột không rõ {label[:64]!r} ở ô {get_column_letter(position + 1)}{number}; các cột là "
            f"{', '.join(REQUIRED_COLUMNS)} và tùy chọn {', '.join(OPTIONAL_COLUMNS)} / unknown "
            f"column {label[:64]!r} at {get_column_letter(position + 1)}{number}",
            sheet=sheet,
            row=number,
        )
    for code in set(codes):
        if codes.count(code) > 1:
            raise WorkbookShapeError(
                code,
                f"cột {code!r} xuất hiện hai lần / column {code!r} appears twice",
                sheet=sheet,
                row=number,
            )
    return SheetHeader(number, {p: c for p, c in columns.items() if c not in REFERENCE_COLUMNS})


def _column_code(label: object) -> str | None:
    if not isinstance(label, str):
        return None
    text = " ".join(label.lower().split())
    bracketed = _BRACKETED.search(text)
    if bracketed and bracketed.group(1) in _CODES:
        return bracketed.group(1)
    return _BY_LABEL.get(text.rstrip(":* "))
