"""Whether a cell's number format lets Excel show its value at all.

A number format has up to four sections, `positive;negative;zero;text`, and an empty
section shows nothing: `;;;` is the usual way to hide a cell's content while keeping it
(the value is still in the file), and accountants' `#,##0;-#,##0;;@` shows a zero as a
blank cell. A report cell so formatted is read as its stored value while the data
officer saw an empty cell: the same as a hidden row (`xlsx_unseen.py`), what is sent
would not be what was on the screen.

Only what is certain is judged: a format with conditions (`[>100]`) picks its section by
them, and is taken as showing the value.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time

# In a section, what shows no character: colours and locales in brackets, an empty
# literal, the space as wide as a character (`_)`) and a fill repeating a space (`* `).
_SHOWS_NOTHING = re.compile(r'(?:\[[^\]]*\]|""|_.|\* |\s)*')
_CONDITION = re.compile(r"\[\s*[<>=]")


def sections(code: str) -> list[str]:
    """The format's sections, split on the semicolons outside literals, brackets and
    escapes."""
    found: list[str] = []
    current: list[str] = []
    quoted = bracketed = escaped = False
    for character in code:
        if escaped:
            escaped = False
        elif quoted:
            quoted = character != '"'
        elif bracketed:
            bracketed = character != "]"
        elif character == "\\":
            escaped = True
        elif character == '"':
            quoted = True
        elif character == "[":
            bracketed = True
        elif character == ";":
            found.append("".join(current))
            current = []
            continue
        current.append(character)
    found.append("".join(current))
    return found


def shows_nothing(code: str | None, value: object) -> bool:
    """Whether Excel shows nothing of `value` (a cell's value as openpyxl reads it)
    under the number format `code`."""
    section = applicable_section(code, value)
    return section is not None and _SHOWS_NOTHING.fullmatch(section) is not None


def applicable_section(code: str | None, value: object) -> str | None:
    """The section of the format `code` that shows `value`; None when it is not
    certain (conditions) or the value is shown as it is (text without a fourth section,
    a boolean, an error)."""
    if not code:
        return None
    parts = sections(code)
    if isinstance(value, str):
        # Text takes the fourth section; with fewer, it is shown as it is.
        return parts[3] if len(parts) >= 4 else None
    if isinstance(value, bool) or not isinstance(value, int | float | datetime | date | time):
        return None
    if any(_CONDITION.search(part) for part in parts):
        return None
    if not isinstance(value, int | float) or len(parts) == 1:
        return parts[0]  # a date or time is a positive number to Excel
    if value < 0:
        return parts[1]
    if value == 0 and len(parts) >= 3:
        return parts[2]
    return parts[0]


def hidden_by_format(code: str) -> str:
    """Why a report cell whose format shows nothing of its value is refused."""
    return (
        f"định dạng số của ô ('{code}') làm ẩn giá trị đã lưu trong ô: hãy đặt định dạng "
        "General (Format Cells → Number → General) để thấy giá trị rồi gửi lại, hoặc xóa giá "
        f"trị / the cell's number format ('{code}') hides the value it holds: set it to "
        "General (Format Cells → Number → General) to see the value and send again, or clear it"
    )
