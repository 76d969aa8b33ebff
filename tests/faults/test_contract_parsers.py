"""The contract parsers under hypothesis: whatever bytes arrive on the topic, the
aggregator's decoder answers with an event or a refusal that says why, and the
IndicatorEvent contract refuses bad input with a ValidationError, never another
exception (one escaping the decoder sends the batch back to Kafka, to be read and to
fail again: a poison message blocking its partition; one escaping ingest is a 500).

Pure: no Kafka, no database, hence no `connected` mark.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from ioc_aggregator.domain.records import Consumed, Refused, SourceRecord
from ioc_aggregator.domain.screening import decode
from ioc_contracts import IndicatorEvent
from ioc_contracts.fast_decoding import DecodedEvent

VALID: dict[str, Any] = {
    "event_id": "6f1c2d0e-8a4b-4c1e-9d7a-2b5f0e3c9a11",
    "agency": "so-tttt",
    "indicator": "cds.dataset-completion-rate",
    "scope": "so-tttt",
    "observed_at": "2023-06-30T17:00:00+07:00",
    "value": 80.0,
}

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()  # NaN and ±Infinity too: json.dumps writes them, json.loads reads them
    | st.text(max_size=50),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=25,
)


@st.composite
def mutated_events(draw: st.DrawFn) -> dict[str, Any]:
    """A valid event with fields dropped, replaced by anything, or added."""
    event = dict(VALID)
    for name in draw(st.lists(st.sampled_from(sorted(VALID)), max_size=3, unique=True)):
        if draw(st.booleans()):
            del event[name]
        else:
            event[name] = draw(json_values)
    event.update(draw(st.dictionaries(st.text(max_size=12), json_values, max_size=2)))
    return event


def record(value: bytes | None) -> SourceRecord:
    return Consumed("ioc.indicator-events", 0, 42, b"key", value)


def assert_event_or_reasoned_refusal(value: bytes | None) -> None:
    verdict = decode(record(value))
    if isinstance(verdict, Refused):
        assert verdict.reason.strip(), "a refusal without a reason"
        assert verdict.record.value == value  # the original bytes go to the DLQ untouched
    else:
        assert isinstance(verdict, DecodedEvent)


def test_a_valid_event_decodes() -> None:
    assert isinstance(decode(record(json.dumps(VALID).encode())), DecodedEvent)


@settings(max_examples=300, deadline=None)
@given(st.none() | st.binary(max_size=512))
def test_arbitrary_bytes_never_raise(value: bytes | None) -> None:
    assert_event_or_reasoned_refusal(value)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(json_values | mutated_events())
def test_arbitrary_json_documents_never_raise(document: Any) -> None:
    assert_event_or_reasoned_refusal(json.dumps(document).encode())


@settings(max_examples=100, deadline=None)
@given(mutated_events(), st.sampled_from(["utf-8", "utf-16", "utf-32", "latin-1"]))
def test_other_encodings_never_raise(document: dict[str, Any], encoding: str) -> None:
    text = json.dumps(document, ensure_ascii=False)
    try:
        value = text.encode(encoding)
    except UnicodeEncodeError:
        value = text.encode("utf-8", errors="surrogatepass")
    assert_event_or_reasoned_refusal(value)


# UTC offsets in whole minutes, as RFC 3339 writes them, up to ±23:59.
offsets = st.integers(-1439, 1439).map(lambda minutes: timezone(timedelta(minutes=minutes)))


@settings(max_examples=300, deadline=None)
@given(
    st.datetimes(min_value=datetime(2, 1, 1), max_value=datetime(9998, 12, 31)),
    offsets | st.none(),
    st.sampled_from(["observed_at", "reported_at"]),
)
def test_any_timestamp_is_accepted_or_refused_with_a_validation_error(
    moment: datetime, offset: timezone | None, field: str
) -> None:
    text = moment.replace(tzinfo=offset).isoformat()
    try:
        event = IndicatorEvent.model_validate({**VALID, field: text})
    except ValidationError:
        assert offset is None, f"{text} has an offset yet was refused"
    else:
        assert getattr(event, field).utcoffset() == timedelta(0)


CALENDAR_ENDS = {
    "year-1-east-of-utc": "0001-01-01T04:00:01+23:00",
    "year-9999-west-of-utc": "9999-12-31T23:00:00-05:00",
}


@pytest.mark.parametrize("text", CALENDAR_ENDS.values(), ids=CALENDAR_ENDS.keys())
def test_timestamps_at_the_ends_of_the_calendar_are_refused(text: str) -> None:
    with pytest.raises(ValidationError):
        IndicatorEvent.model_validate({**VALID, "observed_at": text})


HOSTILE = {
    "deep-nesting": b'{"event_id": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    "integer-of-5000-digits": json.dumps({**VALID, "value": 0})
    .replace('"value": 0', '"value": ' + "9" * 5000)
    .encode(),
    "year-1-east-of-utc": json.dumps(
        {**VALID, "observed_at": CALENDAR_ENDS["year-1-east-of-utc"]}
    ).encode(),
}


@pytest.mark.parametrize("value", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_json_is_refused_not_raised(value: bytes) -> None:
    assert_event_or_reasoned_refusal(value)


def test_event_ids_survive_the_round_trip() -> None:
    event_id = uuid.uuid4()
    decoded = decode(record(json.dumps({**VALID, "event_id": str(event_id)}).encode()))
    assert isinstance(decoded, DecodedEvent)
    assert decoded.event_id == event_id
