"""A time as people and their tools write it to the services: ISO 8601 text.

pydantic alone would take a number of seconds since 1970, which no client means, and
would refuse the API's own example pasted into a URL: an unescaped `+` of a query reads
as a space (`?from=2023-06-30T00:00:00+07:00` arrives as `…00:00:00 07:00`). A space
before a final offset can mean nothing else, so it is read as the `+` it was.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated

from pydantic import BeforeValidator

EXAMPLE = "2023-06-30T00:00:00+07:00"
_DATE_FIRST = re.compile(r"\d{4}-\d\d-\d\d")
# The time of day, then the offset whose `+` became a space: "00:00:00 07:00".
_PLUS_AS_SPACE = re.compile(r"(\d\d:\d\d(?::\d\d(?:[.,]\d+)?)?) (\d\d(?::?\d\d)?)$")


def written_time(value: object) -> object:
    """For `BeforeValidator`: the text pydantic then reads as a datetime."""
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _DATE_FIRST.match(value):
        raise ValueError(f"a time is written like {EXAMPLE}")
    return _PLUS_AS_SPACE.sub(r"\1+\2", value)


WrittenTime = Annotated[datetime, BeforeValidator(written_time)]
