"""Excel reports as the tests make them: a small report sheet, and its bytes with parts of
its XML written as Excel (or another program) writes them where openpyxl does not."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Mapping
from datetime import datetime, timedelta

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

AGENCY = "so-tttt"
HEADER = ["indicator", "scope", "observed_at", "value", "note"]
SHEET_XML = "xl/worksheets/sheet1.xml"
WORKBOOK_XML = "xl/workbook.xml"


def report(rows: int = 4) -> tuple[Workbook, Worksheet]:
    """A title row, the header in row 2, then `rows` figures (rows 3 onwards)."""
    workbook = Workbook()
    sheet = workbook.active
    assert isinstance(sheet, Worksheet)
    sheet.title = "Báo cáo"
    sheet.append(["BÁO CÁO THÁNG 6/2023"])
    sheet.append(HEADER)
    for day in range(1, rows + 1):
        observed = datetime(2023, 6, 1, 17) + timedelta(days=day - 1)
        sheet.append(["dvc.paperless-rate", AGENCY, observed, 30 + day % 50, None])
    return workbook, sheet


def saved(workbook: Workbook, patches: Mapping[str, tuple[str, str]] | None = None) -> bytes:
    """The workbook's bytes; each patch replaces a text in the named part (it must be
    there), to write what openpyxl does not (a height of zero, a formula's saved value)."""
    output = io.BytesIO()
    workbook.save(output)
    if not patches:
        return output.getvalue()
    patched = io.BytesIO()
    with zipfile.ZipFile(output) as source, zipfile.ZipFile(patched, "w") as target:
        for part in source.infolist():
            content = source.read(part)
            if part.filename in patches:
                old, new = patches[part.filename]
                assert old.encode() in content, (part.filename, old)
                content = content.replace(old.encode(), new.encode())
            target.writestr(part, content)
    return patched.getvalue()


def without_references(data: bytes) -> bytes:
    """The workbook with its sheet's rows and cells left without their reference (`r`):
    the schema lets a writer leave it out, the place then following the one before."""
    patched = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(patched, "w") as target:
        for part in source.infolist():
            content = source.read(part)
            if part.filename == SHEET_XML:
                content = re.sub(rb'(<(?:row|c)\b[^>]*?) r="[A-Z]*[0-9]+"', rb"\1", content)
                assert b' r="' not in content
            target.writestr(part, content)
    return patched.getvalue()
