"""Whether a cell's text is drawn in the colour of its background: white figures on a
white sheet are still in the file, and read, while the data officer saw an empty cell.

The text's colour is the number format's for the value (`[White]0`), else the font's;
the background is a solid fill's colour, else the sheet's white. Only what is certain is
judged: a colour given with a tint, a theme colour other than the two every theme names
("Background 1" and "Text 1", white and black in Excel's own themes), a patterned or
gradient fill are taken as visible.
"""

from __future__ import annotations

import re
from typing import Any

from openpyxl.styles.colors import COLOR_INDEX

from ioc_ingest.domain.number_formats import applicable_section

_WHITE, _BLACK = "FFFFFF", "000000"
# Excel's colours by name in a number format's brackets.
_FORMAT_COLOURS = {
    "black": _BLACK,
    "white": _WHITE,
    "red": "FF0000",
    "green": "00FF00",
    "blue": "0000FF",
    "yellow": "FFFF00",
    "magenta": "FF00FF",
    "cyan": "00FFFF",
}
_BRACKET = re.compile(r"\[([^\]]*)\]")
_LITERAL = re.compile(r'"[^"]*"|\\.')
# The legacy palette's two entries past its 64 colours: the system's text and window.
_SYSTEM = {64: _BLACK, 65: _WHITE}


def text_matches_background(cell: Any) -> bool:
    """Whether the cell (an openpyxl cell) draws its value in its background's colour."""
    text = _format_colour(cell.number_format, cell.value)
    if text is None:
        font = cell.font
        text = _colour(font.color if font is not None else None, automatic=_BLACK)
    background = _background(cell.fill)
    return text is not None and text == background


def _format_colour(code: str | None, value: object) -> str | None:
    section = applicable_section(code, value)
    if section is None:
        return None
    for name in _BRACKET.findall(_LITERAL.sub("", section)):
        known = _FORMAT_COLOURS.get(name.strip().lower())
        if known is not None:
            return known
        if name.lower().startswith("color") and name[5:].isdigit():
            # [Color1]..[Color56] are the palette's entries from its eighth.
            return _indexed(int(name[5:]) + 7)
    return None


def _background(fill: Any) -> str | None:
    kind = getattr(fill, "fill_type", "gradient") if fill is not None else None
    if kind is None:
        return _WHITE  # no fill: the sheet's white
    if kind == "solid":
        return _colour(fill.fgColor, automatic=_WHITE)
    return None  # a pattern shows two colours, a gradient many


def _colour(colour: Any, *, automatic: str) -> str | None:
    if colour is None:
        return automatic
    if colour.tint:
        return None
    kind = colour.type
    if kind == "rgb" and isinstance(colour.rgb, str):
        return str(colour.rgb[-6:].upper())
    if kind == "indexed":
        return _indexed(colour.indexed)
    if kind == "theme":
        return {0: _WHITE, 1: _BLACK}.get(colour.theme)
    if kind == "auto":
        return automatic
    return None


def _indexed(index: int) -> str | None:
    if 0 <= index < len(COLOR_INDEX):
        return str(COLOR_INDEX[index][-6:].upper())
    return _SYSTEM.get(index)


def hidden_by_colour() -> str:
    """Why a report cell drawn in its background's colour is refused."""
    return (
        "chữ trong ô cùng màu với nền nên không nhìn thấy giá trị: hãy đổi màu chữ rồi kiểm "
        "tra và gửi lại, hoặc xóa giá trị / the cell's text is the colour of its background, "
        "so its value cannot be seen: change the text colour, check it and send again, or "
        "clear it"
    )
