"""Which dead letters an agency can read back: only those naming an agency and an id."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from uuid import uuid4

from ioc_aggregator.domain.records import Consumed, Refused
from ioc_aggregator.domain.refusals import attributable
from ioc_contracts.dead_letter import DeadLetterErrorCode

NOW = datetime(2023, 7, 1, 2, 0, tzinfo=UTC)


def _refused(value: bytes | None, offset: int = 7, reason: str = "why") -> Refused:
    record = Consumed("events", 2, offset, b"k", value)
    return Refused(record, DeadLetterErrorCode.VALUE_OUT_OF_RANGE, reason)


def test_a_refusal_naming_agency_and_id_is_kept_with_its_position() -> None:
    event_id = uuid4()
    body = json.dumps({"agency": "so-tttt", "event_id": str(event_id), "value": 150}).encode()
    [refusal] = attributable([_refused(body)], NOW)
    assert (refusal.topic, refusal.partition, refusal.offset) == ("events", 2, 7)
    assert (refusal.agency, refusal.event_id) == ("so-tttt", event_id)
    assert (refusal.error_code, refusal.reason, refusal.refused_at) == (
        "value_out_of_range",
        "why",
        NOW,
    )


def test_what_names_no_agency_or_id_is_left_to_the_dlq_alone() -> None:
    event_id = str(uuid4())
    bodies = [
        None,
        b"",
        b"not json",
        b"[1, 2]",
        json.dumps({"agency": "so-tttt"}).encode(),
        json.dumps({"agency": "so-tttt", "event_id": "not-a-uuid"}).encode(),
        json.dumps({"agency": 5, "event_id": event_id}).encode(),
        json.dumps({"agency": "x" * 65, "event_id": event_id}).encode(),
        json.dumps({"agency": "so\x00tttt", "event_id": event_id}).encode(),
    ]
    assert attributable([_refused(body) for body in bodies], NOW) == []


def test_a_reason_is_cut_to_the_dead_letter_bound() -> None:
    # What the database cannot hold is the writer's to replace (`ioc_storage.text`;
    # test_storable_text_connected.py).
    body = json.dumps({"agency": "so-tttt", "event_id": str(uuid4())}).encode()
    [refusal] = attributable([_refused(body, reason="a\x00b" + "c" * 5000)], NOW)
    assert refusal.reason.startswith("a\x00b")
    assert len(refusal.reason) == 1000
