from __future__ import annotations

import json
from datetime import UTC, datetime
from uuid import uuid4

import pytest
from pydantic import ValidationError

from ioc_contracts import SeriesUpdated
from ioc_contracts.reading import read_newer


def update(**extra: object) -> bytes:
    document = SeriesUpdated(
        indicator="dvc.paperless-rate",
        scope="province",
        latest_observed_at=datetime(2023, 7, 1, tzinfo=UTC),
        latest_value=40.0,
        new_observations=1,
        event_ids=[uuid4()],
        updated_at=datetime(2023, 7, 1, 1, tzinfo=UTC),
    ).model_dump(mode="json")
    return json.dumps({**document, **extra}).encode()


def test_a_field_added_by_a_newer_producer_is_ignored() -> None:
    read = read_newer(SeriesUpdated, update(revision=3, quality_flags=["late"]))
    assert read.indicator == "dvc.paperless-rate"


def test_the_model_itself_stays_strict_for_producers() -> None:
    with pytest.raises(ValidationError):
        SeriesUpdated.model_validate_json(update(revision=3))


@pytest.mark.parametrize("raw", [b"not json", b"[]", b'{"indicator": "x"}'])
def test_what_is_not_the_contract_is_still_refused(raw: bytes) -> None:
    with pytest.raises(ValueError):
        read_newer(SeriesUpdated, raw)
