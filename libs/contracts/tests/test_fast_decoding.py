"""The hot-path decoder and the pydantic contract agree on any bytes.

For every input: both accept it with the same fields (same values, same types), or both
refuse it with the same reason code. Arbitrary bytes mostly exercise the refusals, so
most examples are events near the contract's edges: every field valid, or one of them
bent (spaces, other timestamp spellings, numbers as strings, bounds, extra or missing
fields, duplicate keys), serialised in several ways, sometimes with a byte changed.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ioc_contracts import IndicatorEvent
from ioc_contracts.event_bytes import Unreadable, read_event, read_event_by_contract
from ioc_contracts.fast_decoding import DecodedEvent, decode_event

_VALID = {
    "event_id": "6f1c2d0e-8a4b-4c1e-9d7a-2b5f0e3c9a11",
    "agency": "so-tttt",
    "indicator": "dvc.online-rate",
    "scope": "province",
    "observed_at": "2024-06-30T17:00:00Z",
    "value": 36.82,
}

codes = st.one_of(
    st.sampled_from(["so-tttt", "province", "tp-thu-dau-mot", "a", "ab", "x" * 40, "x" * 41]),
    st.sampled_from([" so-tttt", "so-tttt ", "so-tttt\n", "SO-TTTT", "-so", "so_tttt", ""]),
    st.text(alphabet="abz09-._ \n\t\u00a0", max_size=66),
)
catalog_codes = st.one_of(
    st.sampled_from(["dvc.online-rate", "grdp.growth", "a_b", "x" * 64, "x" * 65, ".ab"]),
    codes,
)
digits = st.integers(min_value=0, max_value=99).map(lambda n: f"{n:02d}")
timestamps = st.one_of(
    st.builds(
        lambda y, mo, d, h, mi, s, frac, tz: f"{y:04d}-{mo}-{d}T{h}:{mi}:{s}{frac}{tz}",
        st.integers(min_value=0, max_value=9999),
        st.sampled_from(["01", "02", "06", "12", "13", "00"]),
        st.sampled_from(["01", "28", "29", "30", "31", "32"]),
        st.sampled_from(["00", "17", "23", "24"]),
        st.sampled_from(["00", "59", "60"]),
        st.sampled_from(["00", "59", "60", "61"]),
        st.sampled_from(["", ".5", ".123456", ".1234567", ".", ",5"]),
        st.sampled_from(["Z", "z", "+07:00", "-23:59", "+24:00", "+0700", "+07", "", "-00:00"]),
    ),
    st.sampled_from(
        [
            "2024-06-30 17:00:00Z",
            "2024-06-30t17:00:00Z",
            "2024-06-30",
            "2024-06-30T17:00Z",
            "1719766800",
            "0001-01-01T00:00:00+01:00",
            "9999-12-31T23:59:59-01:00",
            " 2024-06-30T17:00:00Z",
        ]
    ),
    st.integers(min_value=-(2**40), max_value=2**40),
    st.just(None),
)
numbers = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),
    st.floats(min_value=-2e15, max_value=2e15),
    st.integers(min_value=-(10**16), max_value=10**16),
    st.sampled_from([0, -0.0, 1e15, -1e15, 1e15 + 1, 5e-324, True, "5", None, [1]]),
)
texts = st.one_of(
    st.none(),
    st.text(max_size=5),
    st.text(min_size=195, max_size=205),
    st.sampled_from(
        ["", " ", " x", "x ", "x\u2028", "\x1fx", "Cổng dịch vụ công", "x" * 1001, "a\x00b", "\x00"]
    ),
)
uuids = st.one_of(
    st.uuids().map(str),
    st.uuids().map(lambda u: u.hex),
    st.uuids().map(lambda u: str(u).upper()),
    st.uuids().map(lambda u: f"urn:uuid:{u}"),
    st.uuids().map(lambda u: f"{{{u}}}"),
    st.sampled_from(["", "not-a-uuid", "6f1c2d0e-8a4b-4c1e-9d7a-2b5f0e3c9a1"]),
)
optional_fields = {
    "schema_version": st.sampled_from([1, 1.0, 2, "1", True, None]),
    "numerator": numbers,
    "denominator": numbers,
    "reported_at": timestamps,
    "source": texts,
    "note": texts,
    "extra": st.integers(),
}
required_fields = {
    "event_id": uuids,
    "agency": codes,
    "indicator": catalog_codes,
    "scope": codes,
    "observed_at": timestamps,
    "value": numbers,
}


@st.composite
def documents(draw: st.DrawFn) -> dict[str, Any]:
    document: dict[str, Any] = dict(_VALID)
    for name, strategy in required_fields.items():
        if draw(st.integers(0, 3)) == 0:
            document[name] = draw(strategy)
        elif draw(st.integers(0, 40)) == 0:
            del document[name]
    for name, strategy in optional_fields.items():
        if draw(st.booleans()):
            document[name] = draw(strategy)
    if draw(st.booleans()):
        # A ratio most often comes whole and valid.
        document["numerator"], document["denominator"] = 850, 1000.0
    return document


@st.composite
def event_bytes(draw: st.DrawFn) -> bytes:
    document = draw(documents())
    text = json.dumps(document, ensure_ascii=draw(st.booleans()))
    if draw(st.integers(0, 9)) == 0:
        # A duplicate key: the last one counts, for both.
        name = draw(st.sampled_from(sorted(document)))
        text = text[:-1] + f", {json.dumps(name)}: {json.dumps(draw(numbers | codes))}}}"
    data = text.encode(draw(st.sampled_from(["utf-8", "utf-8", "utf-8", "utf-16"])))
    if data and draw(st.integers(0, 9)) == 0:
        at = draw(st.integers(0, len(data) - 1))
        data = data[:at] + bytes([draw(st.integers(0, 255))]) + data[at + 1 :]
    return data


def assert_same_verdict(data: bytes) -> None:
    fast, contract = read_event(data), read_event_by_contract(data)
    if isinstance(contract, Unreadable):
        assert isinstance(fast, Unreadable), f"fast accepted what the contract refuses: {data!r}"
        assert fast.error_code == contract.error_code
        return
    assert isinstance(fast, DecodedEvent), f"fast refused what the contract accepts: {data!r}"
    # Same values and the same types (an int where the contract gives a float differs).
    assert repr(msgspec.structs.astuple(fast)) == repr(msgspec.structs.astuple(contract))


@settings(max_examples=3000, suppress_health_check=[HealthCheck.too_slow])
@given(event_bytes())
@example(json.dumps(_VALID).encode())
@example(json.dumps(_VALID | {"agency": "so-tttt\n"}).encode())
@example(json.dumps(_VALID | {"note": " padded "}).encode())
@example(json.dumps(_VALID | {"observed_at": "1719766800"}).encode())
@example(json.dumps(_VALID | {"value": 5}).encode())
@example(json.dumps(_VALID | {"note": "Số liệu\x00 tháng 6"}).encode())
@example(json.dumps(_VALID | {"source": "\x00"}, ensure_ascii=False).encode())
def test_the_fast_decoder_agrees_with_the_contract_on_events(data: bytes) -> None:
    assert_same_verdict(data)


@settings(max_examples=1000)
@given(st.binary(max_size=300))
def test_the_fast_decoder_agrees_with_the_contract_on_any_bytes(data: bytes) -> None:
    assert_same_verdict(data)


def test_a_canonical_event_takes_the_fast_path() -> None:
    # The point of the decoder: what producers normally send never reaches pydantic.
    event = decode_event(
        json.dumps(_VALID | {"reported_at": "2024-07-01T08:30:00.25+07:00", "note": "ổn"}).encode()
    )
    assert event is not None
    assert event.event_id == uuid.UUID(str(_VALID["event_id"]))
    assert event.reported_at is not None
    assert event.reported_at.isoformat() == "2024-07-01T01:30:00.250000+00:00"


def test_what_the_contract_would_rewrite_is_left_to_it() -> None:
    for bent in ({"agency": " so-tttt"}, {"source": "x "}, {"numerator": 5}, {"note": "a\x00"}):
        assert decode_event(json.dumps(_VALID | bent).encode()) is None


def test_what_the_gateway_and_the_services_write_takes_the_fast_path() -> None:
    """The check for a name given twice must not send the usual events to the contract:
    the gateway writes every field (nulls and schema_version included), and notes in
    Vietnamese are full of commas."""
    written = IndicatorEvent.model_validate(
        _VALID | {"note": "Ước tính, chưa chính thức, số liệu quý", "source": "Sở, ngành"}
    ).model_dump_json()
    assert '"numerator":null' in written.replace(" ", "")
    assert decode_event(written.encode()) is not None
    assert decode_event(json.dumps(_VALID | {"reported_at": None}).encode()) is not None


@pytest.mark.parametrize(
    ("written", "name"),
    [
        (json.dumps(_VALID)[:-1] + ', "value": 85}', "value"),
        (json.dumps(_VALID | {"note": "a, b"})[:-1] + ', "note": "c"}', "note"),
        (json.dumps(_VALID)[:-1] + ', "schema_version": 1, "schema_version": 1}', "schema_version"),
        # The same value twice is still two: the sender's template is wrong either way.
        (json.dumps(_VALID)[:-1] + f', "agency": "{_VALID["agency"]}"}}', "agency"),
    ],
)
def test_a_name_given_twice_is_refused_naming_it_on_both_paths(written: str, name: str) -> None:
    data = written.encode()
    assert decode_event(data) is None
    for verdict in (read_event(data), read_event_by_contract(data)):
        assert isinstance(verdict, Unreadable)
        assert verdict.reason.startswith(f"{name}: the field appears more than once"), verdict


def test_a_comma_written_as_an_escape_is_still_read() -> None:
    # The fast path's count cannot see it: the contract reads the event instead.
    data = (json.dumps(_VALID)[:-1] + ', "note": "a\\u002c b"}').encode()
    assert decode_event(data) is None
    verdict = read_event(data)
    assert isinstance(verdict, DecodedEvent)
    assert verdict.note == "a, b"
