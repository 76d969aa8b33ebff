"""Screening decides store-or-DLQ for each record; every refusal names its reason."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from ioc_aggregator.domain.records import Accepted, Consumed, Refused, SourceRecord
from ioc_aggregator.domain.screening import screen
from ioc_catalog import Grant, PublishPolicy
from ioc_catalog.quality import FigureRules, ValueRange
from ioc_catalog.screening import ScreeningRules
from ioc_contracts.catalog import Unit
from ioc_contracts.dead_letter import DeadLetterErrorCode

NOW = datetime(2023, 7, 1, 3, 0, tzinfo=UTC)
RULES = ScreeningRules(
    policy=PublishPolicy(
        ["vp-ubnd", "so-tnmt", "so-xd"],
        [
            Grant("vp-ubnd", "dvc.paperless-rate", "province"),
            Grant("so-tnmt", "cds.dataset-completion-rate", "so-tnmt"),
        ],
    ),
    figures={
        "dvc.paperless-rate": FigureRules(ValueRange(0.0, 100.0), Unit.PERCENT),
        "cds.dataset-completion-rate": FigureRules(ValueRange(0.0, 100.0), Unit.PERCENT),
    },
    max_future=timedelta(days=1),
)


def _record(value: bytes | None) -> SourceRecord:
    return Consumed("ioc.indicator-events", 2, 17, b"k", value)


def _event(**changes: object) -> bytes:
    event: dict[str, object] = {
        "event_id": str(uuid4()),
        "agency": "vp-ubnd",
        "indicator": "dvc.paperless-rate",
        "scope": "province",
        "observed_at": "2023-06-30T17:00:00+07:00",
        "value": 52.5,
    }
    event.update(changes)
    return json.dumps({k: v for k, v in event.items() if v is not None}).encode()


def _screen(value: bytes | None) -> Accepted | Refused:
    return screen(_record(value), RULES, now=NOW)


def test_a_granted_event_in_range_is_accepted() -> None:
    verdict = _screen(_event())
    assert isinstance(verdict, Accepted)
    assert verdict.event.observed_at == datetime(2023, 6, 30, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "code", "words"),
    [
        (b"{not json", DeadLetterErrorCode.INVALID_JSON, "not valid JSON"),
        (b"\xff\xfe", DeadLetterErrorCode.INVALID_JSON, "not valid JSON"),
        (None, DeadLetterErrorCode.INVALID_JSON, "tombstone"),
        (_event(colour="red"), DeadLetterErrorCode.SCHEMA_VIOLATION, "colour"),
        (
            _event(observed_at="2023-06-30T17:00:00"),
            DeadLetterErrorCode.SCHEMA_VIOLATION,
            "observed_at",
        ),
        (_event(value="NaN"), DeadLetterErrorCode.SCHEMA_VIOLATION, "value"),
        (_event(event_id=None), DeadLetterErrorCode.SCHEMA_VIOLATION, "event_id"),
        (_event(agency="so-khong-co"), DeadLetterErrorCode.UNKNOWN_AGENCY, "so-khong-co"),
        (_event(indicator="dvc.unknown"), DeadLetterErrorCode.UNKNOWN_INDICATOR, "dvc.unknown"),
        (_event(agency="so-xd"), DeadLetterErrorCode.NOT_GRANTED, "so-xd"),
        (
            _event(agency="so-tnmt", indicator="cds.dataset-completion-rate", scope="so-xd"),
            DeadLetterErrorCode.NOT_GRANTED,
            "not for scope 'so-xd'",
        ),
        (
            _event(value=150.0),
            DeadLetterErrorCode.VALUE_OUT_OF_RANGE,
            "150 is outside the valid range [0, 100]",
        ),
        (
            _event(observed_at="2023-07-03T00:00:00+00:00"),
            DeadLetterErrorCode.TIMESTAMP_IN_FUTURE,
            "observed_at",
        ),
    ],
)
def test_each_bad_record_is_refused_with_its_reason(
    value: bytes | None, code: DeadLetterErrorCode, words: str
) -> None:
    verdict = _screen(value)
    assert isinstance(verdict, Refused)
    assert verdict.error_code is code
    assert words in verdict.reason
    assert verdict.record.offset == 17


def test_a_figure_just_inside_the_clock_skew_is_accepted() -> None:
    within = (NOW + timedelta(hours=23)).isoformat()
    assert isinstance(_screen(_event(observed_at=within)), Accepted)


def test_a_future_reported_at_is_refused_as_at_the_gateway() -> None:
    # The drift issue 13 names: one screening (ioc_catalog.screening) for both paths.
    verdict = _screen(_event(reported_at=(NOW + timedelta(days=2)).isoformat()))
    assert isinstance(verdict, Refused)
    assert verdict.error_code is DeadLetterErrorCode.TIMESTAMP_IN_FUTURE
    assert verdict.reason.startswith("reported_at: ")
