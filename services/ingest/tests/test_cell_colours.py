"""Report cells drawn in their background's colour (`domain/cell_colours.py`): white on
the sheet's white, a number format's [White], black on a black fill, by value, theme or
the legacy palette, are refused naming the cell; every visible colouring is read."""

from __future__ import annotations

import pytest
from openpyxl.styles import Font, GradientFill, PatternFill
from openpyxl.styles.colors import Color

from ioc_ingest.domain.cell_colours import hidden_by_colour
from ioc_ingest.domain.xlsx_report import WorkbookLimits, parse_workbook

from .workbooks import AGENCY, report, saved

LIMITS = WorkbookLimits(max_rows=100, max_unpacked_bytes=8 * 1024 * 1024)
BLACK_FILL = PatternFill("solid", fgColor="FF000000")

# How the value cell D4 is coloured, and whether the data officer could see it.
COLOURINGS: dict[str, tuple[dict[str, object], bool]] = {
    "white font": ({"font": Font(color="FFFFFFFF")}, False),
    "white without alpha": ({"font": Font(color="FFFFFF")}, False),
    "Background 1": ({"font": Font(color=Color(theme=0))}, False),
    "palette white": ({"font": Font(color=Color(indexed=9))}, False),
    "format [White]": ({"number_format": "[White]0.0"}, False),
    "format [White] for zero": ({"number_format": "0;-0;[White]0", "value": 0}, False),
    "black on black": ({"fill": BLACK_FILL}, False),
    "Text 1 on black": ({"fill": BLACK_FILL, "font": Font(color=Color(theme=1))}, False),
    "white on a white fill": (
        {"fill": PatternFill("solid", fgColor="FFFFFFFF"), "font": Font(color="FFFFFFFF")},
        False,
    ),
    "automatic": ({}, True),
    "red": ({"font": Font(color="FFFF0000")}, True),
    "white on blue": (
        {"fill": PatternFill("solid", fgColor="FF4472C4"), "font": Font(color="FFFFFFFF")},
        True,
    ),
    "white, tinted darker": ({"font": Font(color=Color(theme=0, tint=-0.5))}, True),
    "format [Red]": ({"number_format": "[Red]0.0"}, True),
    "format [White] for negatives only": ({"number_format": "0;[White]-0"}, True),
    "[White] in a literal": ({"number_format": '0" [White]"'}, True),
    "white on a pattern": (
        {"fill": PatternFill("darkGrid", fgColor="FF000000"), "font": Font(color="FFFFFFFF")},
        True,
    ),
    "white on a gradient": (
        {"fill": GradientFill(stop=("FF000000", "FFFFFFFF")), "font": Font(color="FFFFFFFF")},
        True,
    ),
}


@pytest.mark.parametrize("how", list(COLOURINGS))
def test_a_value_drawn_in_its_background_colour_is_refused(how: str) -> None:
    styles, visible = COLOURINGS[how]
    workbook, sheet = report()
    cell = sheet["D4"]
    for name, style in styles.items():
        setattr(cell, name, style)
    rows = parse_workbook(saved(workbook), agency=AGENCY, limits=LIMITS).rows
    [fourth] = [row for row in rows if row.row == 4]
    if visible:
        assert fourth.problems == ()
        assert fourth.fields["value"] == styles.get("value", 32)
    else:
        assert [(p.field, p.reason) for p in fourth.problems] == [
            ("value", "ô D4: " + hidden_by_colour())
        ]


def test_white_text_in_a_column_that_is_no_report_column_changes_nothing() -> None:
    workbook, sheet = report()
    sheet["F4"] = "ghi chú nội bộ"
    sheet["F4"].font = Font(color="FFFFFFFF")
    sheet["A1"].font = Font(color="FFFFFFFF")  # the title
    rows = parse_workbook(saved(workbook), agency=AGENCY, limits=LIMITS).rows
    assert [row.problems for row in rows] == [()] * 4
    assert hidden_by_colour().startswith("chữ trong ô cùng màu với nền nên không nhìn thấy")
