"""Times as clients write them: ISO 8601 text, a query's `+` that became a space read
back, numbers refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import TypeAdapter, ValidationError

from ioc_runtime.written_time import WrittenTime

READ = TypeAdapter(WrittenTime)
HCM = timezone(timedelta(hours=7))


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        ("2023-06-30T00:00:00+07:00", datetime(2023, 6, 30, tzinfo=HCM)),
        ("2023-06-30T00:00:00 07:00", datetime(2023, 6, 30, tzinfo=HCM)),
        ("2023-06-30T00:00:00 0700", datetime(2023, 6, 30, tzinfo=HCM)),
        ("2023-06-30 00:00:00 07:00", datetime(2023, 6, 30, tzinfo=HCM)),
        ("2023-06-30T07:30 07:00", datetime(2023, 6, 30, 7, 30, tzinfo=HCM)),
        ("2023-06-30T00:00:00.250 07:00", datetime(2023, 6, 30, 0, 0, 0, 250_000, tzinfo=HCM)),
        ("2023-06-29T17:00:00Z", datetime(2023, 6, 29, 17, tzinfo=UTC)),
        ("2023-06-30T00:00:00-05:00", datetime(2023, 6, 30, tzinfo=timezone(timedelta(hours=-5)))),
    ],
)
def test_a_time_is_read_as_written_and_a_lost_plus_as_plus(written: str, meant: datetime) -> None:
    read = READ.validate_python(written)
    assert read == meant
    assert read.utcoffset() == meant.utcoffset()


def test_a_date_and_a_time_without_an_offset_stay_without_one() -> None:
    """ "…30 07:00" is a date and a time of day, not a date with an offset: the space
    follows no time, so nothing is read into it (the routes refuse a time without one)."""
    assert READ.validate_python("2023-06-30 07:00").tzinfo is None


@pytest.mark.parametrize("written", [1688083200, "1688083200", 1.5, "30/06/2023", "", None])
def test_numbers_and_other_shapes_are_refused_with_the_example(written: object) -> None:
    with pytest.raises(ValidationError, match=r"a time is written like 2023-06-30T00:00:00\+07:00"):
        READ.validate_python(written)
