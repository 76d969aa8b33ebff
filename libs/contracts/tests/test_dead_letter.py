"""Dead-letter headers: built from a failure, read back unchanged."""

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from ioc_contracts import (
    DEAD_LETTER_HEADER_NAMES,
    ERROR_CODE_HEADER,
    INDICATOR_EVENTS_TOPIC,
    REASON_HEADER,
    SOURCE_OFFSET_HEADER,
    DeadLetter,
    DeadLetterErrorCode,
    dead_letter_headers,
    parse_dead_letter_headers,
)
from ioc_contracts.dead_letter import ERROR_CODE_MEANINGS, MAX_REASON_LENGTH

FAILED_AT = datetime(2024, 7, 2, 8, 30, 5, tzinfo=timezone(timedelta(hours=7)))


def failure(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "error_code": DeadLetterErrorCode.SCHEMA_VIOLATION,
        "reason": "observed_at: Timestamp has no timezone",
        "source_topic": INDICATOR_EVENTS_TOPIC,
        "source_partition": 4,
        "source_offset": 1234,
        "failed_at": FAILED_AT,
    }
    fields.update(overrides)
    return fields


def test_headers_carry_every_ioc_dlq_name_once_as_utf8_text() -> None:
    headers = dead_letter_headers(**failure(reason="Chỉ tiêu không tồn tại"))

    assert [name for name, _ in headers] == list(DEAD_LETTER_HEADER_NAMES)
    assert dict(headers) == {
        "ioc-dlq-reason": "Chỉ tiêu không tồn tại".encode(),
        "ioc-dlq-error-code": b"schema_violation",
        "ioc-dlq-source-topic": b"ioc.indicator-events",
        "ioc-dlq-source-partition": b"4",
        "ioc-dlq-source-offset": b"1234",
        "ioc-dlq-failed-at": b"2024-07-02T01:30:05Z",
    }


def test_parsing_reads_back_what_was_built() -> None:
    letter = parse_dead_letter_headers(dead_letter_headers(**failure()))

    assert letter == DeadLetter(**failure())
    assert letter.failed_at == FAILED_AT
    assert letter.failed_at.tzinfo == UTC


def test_parsing_ignores_other_headers_and_lets_the_latest_failure_win() -> None:
    first = dead_letter_headers(**failure(source_offset=1))
    second = dead_letter_headers(**failure(source_offset=2))
    headers = [("content-type", b"application/json"), ("x-empty", None), *first, *second]

    assert parse_dead_letter_headers(headers).source_offset == 2


def test_parsing_names_missing_headers() -> None:
    headers = [h for h in dead_letter_headers(**failure()) if h[0] != SOURCE_OFFSET_HEADER]

    with pytest.raises(ValueError, match=SOURCE_OFFSET_HEADER):
        parse_dead_letter_headers(headers)


def test_parsing_refuses_an_unknown_error_code() -> None:
    headers = [
        (name, b"lost" if name == ERROR_CODE_HEADER else value)
        for name, value in dead_letter_headers(**failure())
    ]

    with pytest.raises(ValidationError, match="error_code"):
        parse_dead_letter_headers(headers)


def test_overlong_or_blank_reason_is_shortened_not_refused() -> None:
    long_letter = parse_dead_letter_headers(dead_letter_headers(**failure(reason="x" * 5000)))
    blank = dict(dead_letter_headers(**failure(reason="  ")))

    assert len(long_letter.reason) == MAX_REASON_LENGTH
    assert long_letter.reason.endswith("…")
    assert blank[REASON_HEADER] == b"no reason given"


@pytest.mark.parametrize(
    "overrides",
    [
        {"source_partition": -1},
        {"source_offset": -1},
        {"source_topic": ""},
        {"failed_at": datetime(2024, 7, 2, 8, 30)},
    ],
)
def test_impossible_source_positions_are_refused(overrides: dict[str, Any]) -> None:
    with pytest.raises(ValidationError, match=next(iter(overrides))):
        dead_letter_headers(**failure(**overrides))


def test_error_codes_are_the_documented_wire_values() -> None:
    assert {code.value for code in DeadLetterErrorCode} == {
        "invalid_json",
        "schema_violation",
        "unknown_indicator",
        "not_granted",
        "unknown_agency",
        "value_out_of_range",
        "timestamp_in_future",
        "timestamp_too_old",
        "event_id_conflict",
        "quality_check_failed",
        "storage_rejected",
        "too_large",
        "scope_retired",
        "scope_not_yet_valid",
    }


@given(
    error_code=st.sampled_from(DeadLetterErrorCode),
    reason=st.text(min_size=1, max_size=MAX_REASON_LENGTH).map(str.strip).filter(bool),
    partition=st.integers(min_value=0, max_value=2**31 - 1),
    offset=st.integers(min_value=0, max_value=2**63 - 1),
    failed_at=st.datetimes(
        min_value=datetime(1970, 1, 2), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
    ),
)
def test_any_failure_survives_the_header_round_trip(
    error_code: DeadLetterErrorCode, reason: str, partition: int, offset: int, failed_at: datetime
) -> None:
    fields = failure(
        error_code=error_code,
        reason=reason,
        source_partition=partition,
        source_offset=offset,
        failed_at=failed_at,
    )

    assert parse_dead_letter_headers(dead_letter_headers(**fields)) == DeadLetter(**fields)


def test_a_dead_letter_is_a_bounded_copy_that_says_what_it_left_out() -> None:
    from ioc_contracts.dead_letter import (
        MAX_DEAD_LETTER_KEY_BYTES,
        MAX_DEAD_LETTER_VALUE_BYTES,
        bounded_copy,
    )

    small = bounded_copy(b"k", b"{}")
    assert (small.key, small.value, small.original_size, small.truncated) == (b"k", b"{}", 2, False)
    giant = bounded_copy(b"x" * 5000, b"y" * 10_000_000)
    assert len(giant.value) == MAX_DEAD_LETTER_VALUE_BYTES
    assert giant.key is not None
    assert len(giant.key) == MAX_DEAD_LETTER_KEY_BYTES
    assert (giant.original_size, giant.truncated) == (10_000_000, True)
    assert bounded_copy(None, None).original_size == 0


def test_size_headers_are_written_and_read_back() -> None:
    headers = dead_letter_headers(**failure(), original_size=123_456, truncated=True)
    letter = parse_dead_letter_headers(headers)
    assert (letter.original_size, letter.truncated) == (123_456, True)
    # Letters written before the size headers existed still read, as not truncated.
    old = parse_dead_letter_headers(dead_letter_headers(**failure()))
    assert (old.original_size, old.truncated) == (None, False)


@pytest.mark.parametrize("code", list(DeadLetterErrorCode), ids=str)
def test_every_refusal_code_has_a_vietnamese_and_an_english_meaning(
    code: DeadLetterErrorCode,
) -> None:
    # The read-back API shows an agency this meaning for each refused event: a code
    # without one would break the answer for exactly the events the agency asks about.
    vietnamese, english = ERROR_CODE_MEANINGS[code]
    assert vietnamese
    assert english
    assert vietnamese != english
