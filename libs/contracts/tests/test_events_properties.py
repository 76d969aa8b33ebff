"""Properties of the contracts that must hold for every event, not just the examples."""

import math
import struct
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from ioc_contracts import (
    AlertState,
    AlertStateChanged,
    IndicatorEvent,
    RiskStatus,
    SeriesUpdated,
    Severity,
)
from ioc_contracts.types import CATALOG_CODE_PATTERN, CODE_PATTERN, VALUE_LIMIT

codes = st.from_regex(CODE_PATTERN, fullmatch=True)
catalog_codes = st.from_regex(CATALOG_CODE_PATTERN, fullmatch=True)
# Whole-minute offsets up to ±14 h: every offset a real timezone uses.
offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
aware_times = st.datetimes(
    min_value=datetime(1970, 1, 2), max_value=datetime(2100, 1, 1), timezones=offsets
)
naive_times = st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30))
numbers = st.floats(min_value=-VALUE_LIMIT, max_value=VALUE_LIMIT, allow_nan=False)
non_negative = st.floats(min_value=0, max_value=VALUE_LIMIT)
positive = st.floats(min_value=0, max_value=VALUE_LIMIT, exclude_min=True)


def _from_bits(sign: bool, mantissa: int) -> float:
    bits = (sign << 63) | (0x7FF << 52) | mantissa
    return float(struct.unpack("<d", struct.pack("<Q", bits))[0])


# Every IEEE 754 double that is not finite: exponent all ones, any sign and mantissa
# (mantissa 0 is ±infinity, anything else a NaN with its payload).
non_finite = st.builds(_from_bits, st.booleans(), st.integers(min_value=0, max_value=2**52 - 1))


def trimmed_text(max_size: int) -> st.SearchStrategy[str | None]:
    # The models strip whitespace and refuse U+0000 (no stored text holds it), so
    # generate what a stored value can look like: any other character UTF-8 can encode
    # (no lone surrogate, as `st.text` on its own).
    storable = st.characters(codec="utf-8", exclude_characters="\x00")
    return st.none() | st.text(storable, max_size=max_size).map(str.strip).filter(bool)


ratio_parts: st.SearchStrategy[dict[str, float]] = st.just({}) | st.fixed_dictionaries(
    {"numerator": non_negative, "denominator": positive}
)

indicator_event_fields = st.fixed_dictionaries(
    {
        "event_id": st.uuids(),
        "agency": codes,
        "indicator": catalog_codes,
        "scope": codes,
        "observed_at": aware_times,
        "value": numbers,
        "reported_at": st.none() | aware_times,
        "source": trimmed_text(200),
        "note": trimmed_text(1000),
    }
).flatmap(lambda fields: ratio_parts.map(lambda ratio: {**fields, **ratio}))

series_updated_fields = st.integers(min_value=1, max_value=5_000).flatmap(
    lambda count: st.fixed_dictionaries(
        {
            "indicator": catalog_codes,
            "scope": codes,
            "latest_observed_at": aware_times,
            "latest_value": numbers,
            "new_observations": st.just(count),
            "event_ids": st.lists(st.uuids(), max_size=min(count, 20)),
            "updated_at": aware_times,
        }
    )
)

alert_fields = st.fixed_dictionaries(
    {
        "alert_id": st.uuids(),
        "target_id": catalog_codes,
        "indicator": catalog_codes,
        "scope": codes,
        "state": st.sampled_from(AlertState),
        "previous_state": st.none() | st.sampled_from(AlertState),
        "risk_status": st.sampled_from(RiskStatus),
        "severity": st.sampled_from(Severity),
        "current_value": st.none() | numbers,
        "changed_at": aware_times,
        "changed_by": trimmed_text(200),
        "summary_vi": st.text(min_size=1, max_size=1000).map(str.strip).filter(bool),
        "summary_en": st.text(min_size=1, max_size=1000).map(str.strip).filter(bool),
    }
).filter(lambda fields: fields["state"] != fields["previous_state"])


def assert_round_trips(model: type[BaseModel], fields: dict[str, Any]) -> None:
    event = model.model_validate(fields)
    wire = event.model_dump_json().encode()

    again = model.model_validate_json(wire)

    assert again == event
    assert again.model_dump_json().encode() == wire


@given(indicator_event_fields)
def test_any_valid_indicator_event_round_trips_through_json_bytes(fields: dict[str, Any]) -> None:
    assert_round_trips(IndicatorEvent, fields)


@given(series_updated_fields)
def test_any_valid_series_update_round_trips_through_json_bytes(fields: dict[str, Any]) -> None:
    assert_round_trips(SeriesUpdated, fields)


@given(alert_fields)
def test_any_valid_alert_change_round_trips_through_json_bytes(fields: dict[str, Any]) -> None:
    assert_round_trips(AlertStateChanged, fields)


@given(indicator_event_fields)
def test_timestamps_come_out_in_utc_at_the_same_instant(fields: dict[str, Any]) -> None:
    event = IndicatorEvent.model_validate(fields)

    assert event.observed_at.utcoffset() == timedelta(0)
    assert event.observed_at == fields["observed_at"]


@pytest.mark.parametrize("field", ["value", "numerator", "denominator"])
@given(fields=indicator_event_fields, bad=non_finite)
def test_any_non_finite_number_is_refused(fields: dict[str, Any], bad: float, field: str) -> None:
    assert not math.isfinite(bad)
    fields = {"numerator": 1.0, "denominator": 2.0, **fields, field: bad}

    with pytest.raises(ValidationError) as caught:
        IndicatorEvent.model_validate(fields)
    assert {detail["loc"] for detail in caught.value.errors()} == {(field,)}


@given(fields=series_updated_fields, bad=non_finite)
def test_series_update_refuses_non_finite_latest_value(fields: dict[str, Any], bad: float) -> None:
    with pytest.raises(ValidationError, match="latest_value"):
        SeriesUpdated.model_validate({**fields, "latest_value": bad})


@pytest.mark.parametrize("field", ["observed_at", "reported_at"])
@pytest.mark.parametrize("as_text", [False, True])
@given(fields=indicator_event_fields, naive=naive_times)
def test_any_naive_timestamp_is_refused(
    fields: dict[str, Any], naive: datetime, field: str, as_text: bool
) -> None:
    fields = {**fields, field: naive.isoformat() if as_text else naive}

    with pytest.raises(ValidationError, match="no timezone") as caught:
        IndicatorEvent.model_validate(fields)
    assert {detail["loc"] for detail in caught.value.errors()} == {(field,)}


json_values = st.none() | st.booleans() | st.integers() | st.text() | st.lists(st.integers())


@given(
    fields=indicator_event_fields,
    key=st.text(min_size=1).filter(lambda key: key not in IndicatorEvent.model_fields),
    extra=json_values,
)
def test_any_unknown_key_is_refused(fields: dict[str, Any], key: str, extra: object) -> None:
    with pytest.raises(ValidationError) as caught:
        IndicatorEvent.model_validate({**fields, key: extra})
    assert [detail["type"] for detail in caught.value.errors()] == ["extra_forbidden"]
    assert caught.value.errors()[0]["loc"] == (key,)
