"""POST /v1/events against the real Kafka and database: what is accepted ends up on the
topic, and a body or event that is not acceptable is refused naming why, with nothing
published (who may publish, and the audit: test_events_access.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest

from ioc_contracts import IndicatorEvent, series_key_bytes

from .event_requests import AGENCY, auth, event

if TYPE_CHECKING:
    from .conftest import IssueKey, ReadTopic, StartIngest, TopicSize

pytestmark = pytest.mark.connected


async def test_an_accepted_event_is_on_the_topic_with_its_series_key(
    start_ingest: StartIngest, issue_key: IssueKey, topic: str, read_topic: ReadTopic
) -> None:
    key = await issue_key(AGENCY)
    sent = event(note="Số liệu tháng 6")
    async with start_ingest(ingest_topic=topic) as ingest:
        response = await ingest.client.post("/v1/events", json=sent, headers=auth(key.key))
    assert response.status_code == 202, response.text
    assert response.json() == {"accepted": 1, "event_ids": [sent["event_id"]]}

    [record] = await read_topic(topic, 1)
    assert record.key == series_key_bytes("dvc.paperless-rate", AGENCY)
    stored = IndicatorEvent.model_validate_json(record.value)
    assert stored.agency == AGENCY  # filled in from the credential
    assert str(stored.event_id) == sent["event_id"]
    assert stored.observed_at == datetime(2023, 6, 30, 10, 0, tzinfo=UTC)
    assert (stored.value, stored.numerator, stored.denominator) == (37.5, 731, 1950)
    assert stored.note == "Số liệu tháng 6"
    assert json.loads(record.value) == json.loads(stored.model_dump_json())
    assert dict(record.headers)["content-type"] == b"application/json"


async def test_a_batch_answers_every_id_and_publishes_every_event(
    start_ingest: StartIngest, issue_key: IssueKey, topic: str, read_topic: ReadTopic
) -> None:
    key = await issue_key(AGENCY)
    batch = [
        event(),
        event(observed_at="2023-07-31T17:00:00+07:00", value=41, agency=AGENCY),
        event(indicator="cds.digital-enterprises", scope="province", value=8705),
    ]
    for item in batch[2:]:
        del item["numerator"], item["denominator"]
    async with start_ingest(ingest_topic=topic) as ingest:
        response = await ingest.client.post(
            "/v1/events", json={"events": batch}, headers={"X-API-Key": key.key}
        )
    assert response.status_code == 202, response.text
    assert response.json()["event_ids"] == [item["event_id"] for item in batch]

    records = await read_topic(topic, 3)
    published = {
        IndicatorEvent.model_validate_json(record.value).event_id: record.key for record in records
    }
    assert {str(event_id) for event_id in published} == {item["event_id"] for item in batch}
    assert sorted(published.values()) == sorted(
        [series_key_bytes("dvc.paperless-rate", AGENCY)] * 2
        + [series_key_bytes("cds.digital-enterprises", "province")]
    )


async def test_oversized_bodies_are_413_by_header_and_by_stream(
    start_ingest: StartIngest, issue_key: IssueKey, topic: str, topic_size: TopicSize
) -> None:
    key = await issue_key(AGENCY)
    big = json.dumps({"events": [event(note="x" * 900) for _ in range(3)]}).encode()

    async def chunks() -> Any:
        for start in range(0, len(big), 512):
            yield big[start : start + 512]

    headers = {**auth(key.key), "Content-Type": "application/json"}
    async with start_ingest(ingest_topic=topic, ingest_max_body_bytes=2048) as ingest:
        declared = await ingest.client.post("/v1/events", content=big, headers=headers)
        streamed = await ingest.client.post("/v1/events", content=chunks(), headers=headers)
    assert declared.status_code == 413
    assert "2048 bytes" in declared.json()["detail"]
    assert streamed.status_code == 413
    assert await topic_size(topic) == 0


async def test_bodies_that_are_not_json_are_415(
    start_ingest: StartIngest, issue_key: IssueKey
) -> None:
    key = await issue_key(AGENCY)
    body = json.dumps(event())
    async with start_ingest() as ingest:
        for content_type in ("text/plain", "application/x-www-form-urlencoded", None):
            headers = auth(key.key) | ({"Content-Type": content_type} if content_type else {})
            response = await ingest.client.post("/v1/events", content=body, headers=headers)
            assert response.status_code == 415, content_type
            assert "application/json" in response.json()["detail"]
        latin1 = {**auth(key.key), "Content-Type": "application/json; charset=iso-8859-1"}
        response = await ingest.client.post("/v1/events", content=body, headers=latin1)
        assert response.status_code == 415


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"colour": "red"}, "colour", "unknown field"),
        ({"observed_at": "2023-06-30T17:00:00"}, "observed_at", "no timezone"),
        ({"value": 150}, "value", "outside the valid range [0, 100]"),
        ({"value": "37.5"}, "value", "valid number"),
        ({"indicator": "dvc.no-such-rate"}, "indicator", "unknown indicator 'dvc.no-such-rate'"),
        ({"note": "x" * 1001}, "note", "at most 1000 characters"),
        ({"event_id": "not-a-uuid"}, "event_id", "UUID"),
    ],
)
async def test_invalid_events_are_422_naming_the_field(
    start_ingest: StartIngest,
    issue_key: IssueKey,
    topic: str,
    topic_size: TopicSize,
    change: dict[str, Any],
    field: str,
    words: str,
) -> None:
    key = await issue_key(AGENCY)
    async with start_ingest(ingest_topic=topic) as ingest:
        response = await ingest.client.post(
            "/v1/events", json={"events": [event(), event(**change)]}, headers=auth(key.key)
        )
    assert response.status_code == 422, response.text
    body = response.json()
    [error] = body["errors"]
    assert (error["index"], error["field"]) == (1, field)
    assert words in error["reason"]
    assert body["detail"].startswith("1/2 sự kiện không hợp lệ")  # Vietnamese first
    assert " / 1 of 2 events are not valid; nothing was published" in body["detail"]
    assert await topic_size(topic) == 0


async def test_timestamps_too_far_ahead_nan_and_long_batches_are_422(
    start_ingest: StartIngest, issue_key: IssueKey, topic: str, topic_size: TopicSize
) -> None:
    key = await issue_key(AGENCY)
    two_days_ahead = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    headers = {**auth(key.key), "Content-Type": "application/json"}
    async with start_ingest(ingest_topic=topic, ingest_max_batch=3) as ingest:
        future = await ingest.client.post(
            "/v1/events", json=event(observed_at=two_days_ahead), headers=headers
        )
        nan = await ingest.client.post(
            "/v1/events", content=json.dumps(event(value=float("nan"))), headers=headers
        )
        too_long = await ingest.client.post(
            "/v1/events", json={"events": [event() for _ in range(4)]}, headers=headers
        )
        broken = await ingest.client.post("/v1/events", content=b'{"events": [', headers=headers)
    assert future.status_code == 422
    [error] = future.json()["errors"]
    assert error["field"] == "observed_at"
    assert "more than 1 day in the future" in error["reason"]

    assert nan.status_code == 422
    assert "NaN is not a JSON number" in nan.json()["errors"][0]["reason"]

    assert too_long.status_code == 422
    [error] = too_long.json()["errors"]
    assert error["field"] == "events"
    assert "at most 3 events per request, got 4" in error["reason"]

    assert broken.status_code == 422
    assert "line 1" in broken.json()["errors"][0]["reason"]
    assert await topic_size(topic) == 0


async def test_a_body_led_by_a_byte_order_mark_is_read_as_without_it(
    start_ingest: StartIngest, issue_key: IssueKey, topic: str, read_topic: ReadTopic
) -> None:
    """Notepad and .NET's UTF-8 write a BOM first; the aggregator reads such bytes from
    Kafka, so the gateway does too (it answered 422 "Unexpected UTF-8 BOM")."""
    key = await issue_key(AGENCY)
    sent = event()
    async with start_ingest(ingest_topic=topic) as ingest:
        response = await ingest.client.post(
            "/v1/events",
            content="\ufeff".encode() + json.dumps(sent).encode(),
            headers={**auth(key.key), "Content-Type": "application/json"},
        )
    assert response.status_code == 202, response.text
    [record] = await read_topic(topic, 1)
    assert str(IndicatorEvent.model_validate_json(record.value).event_id) == sent["event_id"]
