"""Contract models: JSON round trips, and each way an indicator event is refused."""

from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from uuid import UUID

import pytest
from pydantic import BaseModel, ValidationError

from ioc_contracts import AlertStateChanged, IndicatorEvent, SeriesUpdated

from .event_samples import (
    EVENT_ID,
    alert_fields,
    indicator_event_fields,
    refusal,
    refused_fields,
    series_updated_fields,
)


@pytest.mark.parametrize(
    ("model", "fields"),
    [
        (IndicatorEvent, indicator_event_fields()),
        (SeriesUpdated, series_updated_fields()),
        (AlertStateChanged, alert_fields()),
    ],
)
def test_json_round_trip_keeps_the_event(model: type[BaseModel], fields: dict[str, Any]) -> None:
    event = model.model_validate(fields)
    wire = event.model_dump_json().encode()

    assert model.model_validate_json(wire) == event
    assert model.model_validate_json(wire).model_dump_json().encode() == wire


def test_indicator_event_parses_types_and_normalises_to_utc() -> None:
    event = IndicatorEvent.model_validate(indicator_event_fields())

    assert event.event_id == UUID(EVENT_ID)
    assert event.schema_version == 1
    assert event.observed_at == datetime(2024, 6, 30, 10, 0, tzinfo=UTC)
    assert event.observed_at.utcoffset() == timedelta(0)
    assert '"observed_at":"2024-06-30T10:00:00Z"' in event.model_dump_json()


def test_indicator_event_strips_whitespace_and_names_its_series() -> None:
    event = IndicatorEvent.model_validate(
        indicator_event_fields(agency="  so-tttt ", indicator=" dvc.online-rate", note=" x ")
    )

    assert (event.agency, event.note) == ("so-tttt", "x")
    assert event.series_key == "dvc.online-rate|province"


def test_indicator_event_without_ratio_is_valid() -> None:
    event = IndicatorEvent.model_validate(
        indicator_event_fields(numerator=None, denominator=None, note=None, source=None)
    )

    assert event.numerator is None
    assert event.denominator is None


def test_events_are_immutable() -> None:
    event = IndicatorEvent.model_validate(indicator_event_fields())

    with pytest.raises(ValidationError, match="frozen"):
        event.value = 1.0  # type: ignore[misc]


@pytest.mark.parametrize(
    "observed_at", ["2024-06-30T17:00:00", "2024-06-30", datetime(2024, 6, 30)]
)
def test_naive_observed_at_is_refused(observed_at: object) -> None:
    fields = indicator_event_fields(observed_at=observed_at)

    assert refused_fields(IndicatorEvent, fields) == {"observed_at"}
    assert "no timezone" in str(refusal(IndicatorEvent, fields))


def test_naive_reported_at_is_refused() -> None:
    fields = indicator_event_fields(reported_at="2024-07-02T08:30:00")

    assert refused_fields(IndicatorEvent, fields) == {"reported_at"}


def test_epoch_number_timestamp_is_refused() -> None:
    fields = indicator_event_fields(observed_at=1719766800)

    assert refused_fields(IndicatorEvent, fields) == {"observed_at"}
    assert "ISO 8601" in str(refusal(IndicatorEvent, fields))


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_value_in_json_is_refused(literal: str) -> None:
    wire = IndicatorEvent.model_validate(indicator_event_fields()).model_dump_json()
    wire = wire.replace('"value":85.0', f'"value":{literal}')

    with pytest.raises(ValidationError, match="finite") as caught:
        IndicatorEvent.model_validate_json(wire)
    assert caught.value.errors()[0]["loc"] == ("value",)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_non_finite_value_in_python_is_refused(value: float) -> None:
    assert refused_fields(IndicatorEvent, indicator_event_fields(value=value)) == {"value"}


@pytest.mark.parametrize("value", [1e15 * 1.000001, -2e15, "85", True])
def test_out_of_bounds_or_non_numeric_value_is_refused(value: object) -> None:
    assert refused_fields(IndicatorEvent, indicator_event_fields(value=value)) == {"value"}


def test_unknown_field_is_refused() -> None:
    fields = indicator_event_fields(unit="percent")

    assert refused_fields(IndicatorEvent, fields) == {"unit"}
    assert "Extra inputs are not permitted" in str(refusal(IndicatorEvent, fields))


@pytest.mark.parametrize(
    ("field", "code"),
    [
        ("agency", "Sở TTTT"),
        ("agency", "SO-TTTT"),
        ("agency", "-so"),
        ("agency", "a"),
        ("agency", "a" * 41),
        ("scope", "province|x"),
        ("indicator", "grdp growth"),
        ("indicator", "g" * 65),
    ],
)
def test_bad_code_is_refused(field: str, code: str) -> None:
    assert refused_fields(IndicatorEvent, indicator_event_fields(**{field: code})) == {field}


def test_numerator_without_denominator_is_refused() -> None:
    message = str(refusal(IndicatorEvent, indicator_event_fields(denominator=None)))

    assert "numerator and denominator" in message


def test_zero_denominator_is_refused() -> None:
    assert "denominator" in refused_fields(IndicatorEvent, indicator_event_fields(denominator=0))


def test_negative_numerator_is_refused() -> None:
    assert "numerator" in refused_fields(IndicatorEvent, indicator_event_fields(numerator=-1))


def test_too_long_note_and_source_are_refused() -> None:
    assert "note" in refused_fields(IndicatorEvent, indicator_event_fields(note="x" * 1001))
    assert "source" in refused_fields(IndicatorEvent, indicator_event_fields(source="x" * 201))


def test_a_nul_in_note_or_source_is_refused_naming_it() -> None:
    # PostgreSQL's text cannot hold U+0000: accepted here, the event would be refused by
    # the database after the agency was told it was accepted.
    for field in ("note", "source"):
        message = str(refusal(IndicatorEvent, indicator_event_fields(**{field: "Số liệu\x00 6"})))
        assert field in message
        assert "U+0000 (NUL)" in message
    # Other control characters are stored as sent.
    kept = IndicatorEvent.model_validate(indicator_event_fields(note="a\x1fb\u2028c"))
    assert kept.note == "a\x1fb\u2028c"


def test_blank_note_is_refused_rather_than_kept_empty() -> None:
    assert "note" in refused_fields(IndicatorEvent, indicator_event_fields(note="   "))


def test_other_schema_version_is_refused() -> None:
    assert "schema_version" in refused_fields(
        IndicatorEvent, indicator_event_fields(schema_version=2)
    )


def test_python_datetime_with_offset_is_accepted_and_converted() -> None:
    plus_seven = timezone(timedelta(hours=7))
    event = IndicatorEvent.model_validate(
        indicator_event_fields(observed_at=datetime(2024, 7, 1, 0, 0, tzinfo=plus_seven))
    )

    assert event.observed_at == datetime(2024, 6, 30, 17, 0, tzinfo=UTC)
    assert event.observed_at.tzinfo is UTC
