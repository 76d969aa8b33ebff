"""Rows and columns of a worksheet its reader does not see: hidden, filtered out, or of
no height or width.

openpyxl's read-only reader gives the cells' values and nothing of how they are shown,
yet a filter hides the rows it leaves out: a data officer who filters the report to
check one department's lines, then sends the file, believes the report is what was on
the screen, and every hidden line would be published with it. The worksheet's XML says
which rows and columns are hidden; it is read here, streamed and bounded like the rest
of the workbook (defusedxml; a part whose unpacked size was checked before; each row
let go once read, so memory stays flat whatever the sheet's length).
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from typing import Any

from defusedxml.ElementTree import iterparse

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_SHEET_DATA, _ROW = f"{_MAIN}sheetData", f"{_MAIN}row"
_COLS, _COL = f"{_MAIN}cols", f"{_MAIN}col"


@dataclass(frozen=True, slots=True)
class HiddenParts:
    rows: frozenset[int]  # row numbers, as the sheet shows them (from 1)
    columns: frozenset[int]  # column numbers (A = 1), up to the last one read


NOTHING_HIDDEN = HiddenParts(frozenset(), frozenset())


def hidden_parts(
    archive: zipfile.ZipFile, part: str, *, max_columns: int, max_rows: int
) -> HiddenParts:
    """What the worksheet stored at `part` hides, of its first `max_columns` columns and
    `max_rows` rows (the reader refuses a sheet longer than that; nothing is read past
    them); nothing when the part is not there."""
    if part not in archive.namelist():
        return NOTHING_HIDDEN
    rows: set[int] = set()
    columns: set[int] = set()
    parents: dict[str, Any] = {}
    read = 0
    with archive.open(part) as stream:
        for event, element in iterparse(stream, events=("start", "end")):
            tag = element.tag
            if event == "start":
                if tag in (_SHEET_DATA, _COLS):
                    parents[tag] = element
                continue
            if tag == _ROW:
                if _hides(element.get("hidden"), element.get("ht")):
                    rows.add(int(element.get("r", "0")))
                parents[_SHEET_DATA].clear()  # the rows read so far, cells and all
                read += 1
                if read >= max_rows:
                    break
            elif tag == _COL:
                if _hides(element.get("hidden"), element.get("width")):
                    # A range may run to the sheet's last column (16,384): only those read
                    # count.
                    first, last = int(element.get("min", "0")), int(element.get("max", "0"))
                    columns.update(range(max(first, 1), min(last, max_columns) + 1))
                parents[_COLS].clear()
    return HiddenParts(frozenset(rows), frozenset(columns))


def _hides(hidden: str | None, size: str | None) -> bool:
    """`hidden="1"`, or a height or width of zero: either way nothing shows."""
    if hidden in ("1", "true"):
        return True
    try:
        return size is not None and float(size) == 0
    except ValueError:
        return False
