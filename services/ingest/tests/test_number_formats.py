"""Number formats that show nothing of a cell's value (`domain/number_formats.py`), alone
and in an Excel report: a report cell so formatted is refused, naming the cell and its
format, since the data officer saw an empty cell where a figure was stored."""

from __future__ import annotations

from datetime import datetime

import pytest

from ioc_ingest.domain.number_formats import sections, shows_nothing
from ioc_ingest.domain.xlsx_report import WorkbookLimits, parse_workbook

from .workbooks import AGENCY, report, saved

LIMITS = WorkbookLimits(max_rows=100, max_unpacked_bytes=8 * 1024 * 1024)


@pytest.mark.parametrize(
    ("code", "parts"),
    [
        ("General", ["General"]),
        (";;;", ["", "", "", ""]),
        ('#,##0;-#,##0;"";@', ["#,##0", "-#,##0", '""', "@"]),
        ('0" ; "0;[Red]-0', ['0" ; "0', "[Red]-0"]),
        ("0\\;0;;", ["0\\;0", "", ""]),
        ("[$-42A];0", ["[$-42A]", "0"]),
    ],
)
def test_sections_split_outside_literals_brackets_and_escapes(code: str, parts: list[str]) -> None:
    assert sections(code) == parts


@pytest.mark.parametrize(
    ("code", "value", "hidden"),
    [
        (";;;", 37.5, True),
        (";;;", -1, True),
        (";;;", 0, True),
        (";;;", "Ước tính", True),
        (";;;", datetime(2023, 6, 30), True),
        ("#,##0;-#,##0;;@", 0, True),  # accountants' blank zero
        ("#,##0;-#,##0;;@", 0.0, True),
        ("#,##0;-#,##0;;@", 12, False),
        ("#,##0;-#,##0;;@", -12, False),
        ("#,##0;-#,##0;;@", "ghi chú", False),
        ('0;-0;"";@', 0, True),  # an empty literal is nothing too
        ("[Red];[Blue];[Green]", 5, True),  # colours alone show no character
        ('_(* #,##0_);_(* (#,##0);_(* "-"_);_(@_)', 0, False),  # Excel's accounting dash
        ("0;;0", -3, True),  # negatives hidden
        ("0;", -3, True),
        ("0;", 3, False),
        ("0.0%", 0.375, False),
        ("General", 0, False),
        (None, 0, False),
        ("[>100]0;;", 5, False),  # conditions pick sections their own way: not judged
        (";;;", True, False),  # a boolean is no figure: refused for what it is
        ("0;0;0;", "text", True),
        ("0;0;0", "text", False),  # text without a fourth section is shown as it is
    ],
)
def test_what_a_format_shows_nothing_of(code: str | None, value: object, hidden: bool) -> None:
    assert shows_nothing(code, value) is hidden


def test_a_report_cell_whose_format_hides_its_value_is_refused_naming_it() -> None:
    workbook, sheet = report()
    sheet["D4"].number_format = ";;;"
    sheet["D5"] = 0
    sheet["D5"].number_format = "#,##0;-#,##0;;@"
    sheet["E6"] = "Số liệu ước tính"
    sheet["E6"].number_format = ";;;"
    sheet["D3"].number_format = "#,##0;-#,##0;;@"  # a figure, shown: read as before
    rows = parse_workbook(saved(workbook), agency=AGENCY, limits=LIMITS).rows
    refused = {row.row: [(p.field, p.reason) for p in row.problems] for row in rows if row.problems}
    assert sorted(refused) == [4, 5, 6]
    assert [field for field, _ in refused[4]] == ["value"]
    assert refused[4][0][1].startswith(
        "ô D4: định dạng số của ô (';;;') làm ẩn giá trị đã lưu trong ô: hãy đặt định dạng General"
    )
    assert refused[5][0][1].startswith("ô D5: định dạng số của ô ('#,##0;-#,##0;;@')")
    assert [field for field, _ in refused[6]] == ["note"]
    [third] = [row for row in rows if row.row == 3]
    assert (third.fields["value"], third.problems) == (31, ())
