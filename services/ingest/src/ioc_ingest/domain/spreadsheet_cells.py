"""Cells of a real spreadsheet read into event fields, the way a Vietnamese office types them.

A number may be a number cell, a percentage cell (Excel stores 37,5% as 0.375), or text
with a decimal comma ("36,82") and dots or spaces between thousands ("1.893.000",
"1 893"). Text that reads two ways ("1.893", "1,893": one thousand eight hundred and
ninety-three, or one point eight nine three) is refused, never guessed: a guess off by a
thousand would be stored as a figure of record.

A date may be a date cell, an Excel serial number, or text written day first
("30/06/2023", "30-6-2023 17:00") or as ISO 8601. A moment without a time zone is
Vietnam's time; a date without a time is the start of that day in Vietnam (as the
catalog's `observed_since`).

Reasons are Vietnamese first, then English, for the agency's data officer.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from ioc_contracts.types import VIETNAM_TIME

# Excel's 1900 date system (serial 1 = 1/1/1900, with its fictitious 29/2/1900).
_EXCEL_EPOCH = datetime(1899, 12, 30)
# Serials outside these years are not report dates but numbers typed in the wrong column.
_SERIAL_YEARS = (1990, 2100)

_PLAIN = re.compile(r"^[+-]?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$")
_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$")
_DOT_GROUPS = re.compile(r"^[+-]?\d{1,3}(?:\.\d{3})+(?:,\d+)?$")
_COMMA_GROUPS = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
_SPACE_GROUPS = re.compile(r"^[+-]?\d{1,3}(?: \d{3})+(?:[,.]\d+)?$")
_AMBIGUOUS = re.compile(r"^[+-]?\d{1,3}[.,]\d{3}$")
_DAY_FIRST = re.compile(
    r"^(?P<day>\d{1,2})[/.-](?P<month>\d{1,2})[/.-](?P<year>\d{4})"
    r"(?:[ T](?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?)?$"
)


class CellError(ValueError):
    """A cell that cannot be read as what its column holds; the message is the reason."""


def read_number(value: object, *, number_format: str = "General") -> float:
    """The number a cell shows; CellError when it is none or reads two ways."""
    if isinstance(value, bool):
        raise CellError(
            "ô chứa giá trị TRUE/FALSE, không phải số / the cell holds TRUE/FALSE, not a number"
        )
    if isinstance(value, int | float):
        # A percentage cell shows 37,5% for the stored 0.375: the figure is what it shows.
        return float(value) * 100 if "%" in number_format else float(value)
    if isinstance(value, str):
        return _number_from_text(value)
    raise CellError(f"ô không chứa số ({_shown(value)}) / the cell holds no number")


def _number_from_text(text: str) -> float:
    cell = text.strip().replace("\u00a0", " ")
    # "37,5%" typed as text is the figure 37.5 of a percent indicator, as it reads.
    cell = cell.removesuffix("%").strip()
    if _AMBIGUOUS.match(cell):
        raise CellError(
            f"{cell!r} có thể hiểu hai cách (dấu phân cách nghìn hay dấu thập phân); hãy nhập "
            "ô dạng số, hoặc viết số không có dấu phân cách nghìn (1893) / "
            f"{cell!r} reads two ways (thousands separator or decimal point); enter a number "
            "cell, or write it without thousands separators (1893)"
        )
    if _PLAIN.match(cell):
        number = float(cell)
    elif _DECIMAL_COMMA.match(cell):
        number = float(cell.replace(",", "."))
    elif _DOT_GROUPS.match(cell):
        number = float(cell.replace(".", "").replace(",", "."))
    elif _COMMA_GROUPS.match(cell):
        number = float(cell.replace(",", ""))
    elif _SPACE_GROUPS.match(cell):
        number = float(cell.replace(" ", "").replace(",", "."))
    else:
        raise CellError(
            f"{_shown(cell)!r} không phải là số; ví dụ hợp lệ: 36,82 hoặc 1.893.000 / "
            f"{_shown(cell)!r} is not a number; e.g. 36,82 or 1.893.000"
        )
    return number


def read_moment(value: object) -> datetime:
    """The instant a cell names, timezone-aware; CellError when it names none."""
    if isinstance(value, datetime):
        return _in_vietnam(value)
    if isinstance(value, date):
        return datetime.combine(value, time.min, tzinfo=VIETNAM_TIME)
    if isinstance(value, time):
        raise CellError("ô chỉ có giờ, thiếu ngày / the cell holds a time of day but no date")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _from_serial(float(value))
    if isinstance(value, str):
        return _moment_from_text(value)
    raise CellError(f"ô không chứa ngày ({_shown(value)}) / the cell holds no date")


def _in_vietnam(moment: datetime) -> datetime:
    return moment.replace(tzinfo=VIETNAM_TIME) if moment.tzinfo is None else moment


def _from_serial(serial: float) -> datetime:
    # Whole seconds: a serial's float noise must not give one date two event ids.
    moment = _EXCEL_EPOCH + timedelta(seconds=round(serial * 86_400))
    if not _SERIAL_YEARS[0] <= moment.year <= _SERIAL_YEARS[1]:
        raise CellError(
            f"{_shown(serial)} không phải là ngày; hãy nhập ngày dạng 30/06/2023 / "
            f"{_shown(serial)} is not a date; enter a date such as 30/06/2023"
        )
    return _in_vietnam(moment)


def _moment_from_text(text: str) -> datetime:
    cell = text.strip()
    found = _DAY_FIRST.match(cell)
    try:
        if found:
            parts = {name: int(part) for name, part in found.groupdict(default="0").items()}
            return datetime(
                parts["year"],
                parts["month"],
                parts["day"],
                parts["hour"],
                parts["minute"],
                parts["second"],
                tzinfo=VIETNAM_TIME,
            )
        return _in_vietnam(datetime.fromisoformat(cell))
    except ValueError as error:
        raise CellError(
            f"{_shown(cell)!r} không phải là ngày hợp lệ; viết ngày trước tháng, ví dụ "
            f"30/06/2023 hoặc 30/06/2023 17:00 / {_shown(cell)!r} is not a valid date; write "
            "the day first, e.g. 30/06/2023 or 30/06/2023 17:00"
        ) from error


def read_text(value: object) -> str:
    """Text of a code or note cell; a number typed there is its shortest text (12, not 12.0)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        raise CellError(
            f"ô chứa ngày ({value.isoformat()}) thay vì chữ / the cell holds a date, not text"
        )
    return str(value).strip()


def _shown(value: object) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:40] + "…"
