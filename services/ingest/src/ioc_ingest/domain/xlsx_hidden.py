"""Rows and columns of a worksheet its reader does not see: hidden, filtered out, or of
no height or width.

openpyxl's read-only reader gives the cells' values and nothing of how they are shown,
yet a filter hides the rows it leaves out: a data officer who filters the report to
check one department's lines, then sends the file, believes the report is what was on
the screen, and every hidden line would be published with it. The worksheet's XML says
which rows and columns are hidden; it is read here, streamed and bounded like the rest
of the workbook (defusedxml, a part whose unpacked size was checked before).
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass

from defusedxml.ElementTree import iterparse

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


@dataclass(frozen=True, slots=True)
class HiddenParts:
    rows: frozenset[int]  # row numbers, as the sheet shows them (from 1)
    columns: frozenset[int]  # column numbers (A = 1)


NOTHING_HIDDEN = HiddenParts(frozenset(), frozenset())


def hidden_parts(archive: zipfile.ZipFile, part: str) -> HiddenParts:
    """What the worksheet stored at `part` hides; nothing when the part is not there."""
    if part not in archive.namelist():
        return NOTHING_HIDDEN
    rows: set[int] = set()
    columns: set[int] = set()
    with archive.open(part) as stream:
        for _, element in iterparse(stream, events=("end",)):
            tag = element.tag
            if tag == f"{_MAIN}row":
                if _hides(element.get("hidden"), element.get("ht")):
                    rows.add(int(element.get("r", "0")))
            elif tag == f"{_MAIN}col":
                if _hides(element.get("hidden"), element.get("width")):
                    first, last = int(element.get("min", "0")), int(element.get("max", "0"))
                    # A column range may run to the sheet's last column (16,384).
                    columns.update(range(first, min(last, 16_384) + 1))
            elif tag == f"{_MAIN}c":
                element.clear()  # cells are read by openpyxl; only row attributes here
                continue
            if tag == f"{_MAIN}row":
                element.clear()
    return HiddenParts(frozenset(rows), frozenset(columns))


def _hides(hidden: str | None, size: str | None) -> bool:
    """`hidden="1"`, or a height or width of zero: either way nothing shows."""
    if hidden in ("1", "true"):
        return True
    try:
        return size is not None and float(size) == 0
    except ValueError:
        return False
