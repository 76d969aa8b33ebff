"""Annotated field types shared by every contract model.

Each type carries its own validation, so a rule such as "timestamps must say which
timezone they are in" is written once and reads the same in every event.
"""

from datetime import UTC, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints
from pydantic_core import PydanticCustomError

# Where people read times, and what a date in the catalog means (the end or start of
# that day here).
VIETNAM_TIME = ZoneInfo("Asia/Ho_Chi_Minh")

CODE_PATTERN = r"^[a-z0-9][a-z0-9-]{1,39}$"
CATALOG_CODE_PATTERN = r"^[a-z0-9][a-z0-9._-]{1,63}$"

# Large enough for any provincial figure in VND (GRDP is ~5e14), small enough that a
# unit mistake (e.g. đồng sent as micro-đồng) or garbage is refused at the door.
VALUE_LIMIT = 1e15

Code = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=40, pattern=CODE_PATTERN),
]
"""Agency, district or scope code: lowercase letters, digits and hyphens ("so-tttt")."""

CatalogCode = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=64, pattern=CATALOG_CODE_PATTERN),
]
"""Indicator or target code from the catalog; dots and underscores allowed ("grdp.growth")."""


def _refuse_epoch_numbers(value: Any) -> Any:
    # Pydantic would accept 1719766800 and guess seconds vs milliseconds from its size;
    # a contract between agencies should not guess, so only ISO 8601 text (or a Python
    # datetime from an in-process producer) is accepted.
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise PydanticCustomError(
            "datetime_iso_required",
            "Timestamps must be ISO 8601 strings with an offset, "
            "e.g. 2024-06-30T17:00:00+07:00, not epoch numbers",
        )
    return value


def _require_timezone_then_utc(value: datetime) -> datetime:
    # A naive time is ambiguous (Asia/Ho_Chi_Minh or UTC?) and would silently shift a
    # figure by 7 hours, across a day or month boundary; refuse it rather than assume.
    if value.tzinfo is None or value.utcoffset() is None:
        raise PydanticCustomError(
            "timezone_required",
            "Timestamp has no timezone; add an offset, e.g. 2024-06-30T17:00:00+07:00 or ...Z",
        )
    try:
        return value.astimezone(UTC)
    except OverflowError:
        # 0001-01-01T04:00+23:00 is a valid ISO 8601 string whose UTC instant falls
        # before year 1; datetime cannot hold it.
        raise PydanticCustomError(
            "timestamp_out_of_range",
            "Timestamp is outside the years 1 to 9999 once converted to UTC",
        ) from None


UtcDatetime = Annotated[
    datetime,
    BeforeValidator(_refuse_epoch_numbers),
    AfterValidator(_require_timezone_then_utc),
]
"""Timezone-aware instant; naive input is rejected, output is always UTC."""

FiniteNumber = Annotated[
    float,
    Field(strict=True, allow_inf_nan=False, ge=-VALUE_LIMIT, le=VALUE_LIMIT),
]
"""A real JSON number (not a string, not a boolean), finite, with |x| <= 1e15."""

NonNegativeNumber = Annotated[FiniteNumber, Field(ge=0)]
PositiveNumber = Annotated[FiniteNumber, Field(gt=0)]


def _without_nul(text: str) -> str:
    # PostgreSQL's text holds every character but U+0000: an event carrying one would be
    # accepted at the door and refused by the database behind it.
    if "\x00" in text:
        msg = "contains the character U+0000 (NUL), which no stored text can hold; remove it"
        raise ValueError(msg)
    return text


STORABLE = AfterValidator(_without_nul)
"""Refuses text no stored text can hold; put it after a field's length constraints:
`Annotated[str, StringConstraints(max_length=200), STORABLE]`. Every model taking text
from outside (events, operators' requests) says it this way."""

# Text an agency writes: 1 to n characters (checked first, as a string's), any
# character a database can store.
SourceText = Annotated[str, StringConstraints(min_length=1, max_length=200), STORABLE]
"""Where a figure comes from, as its agency names it."""
NoteText = Annotated[str, StringConstraints(min_length=1, max_length=1000), STORABLE]
"""An agency's free text next to a figure."""
