"""POST /v1/events against the real Kafka and database: what is accepted ends up on the
topic, what is refused does not, and every answer is audited and counted."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from uuid import uuid4

import pytest

from ioc_contracts import IndicatorEvent, series_key_bytes

if TYPE_CHECKING:
    from .conftest import AuditRows, IssueKey, ReadTopic, RevokeKey, StartIngest, TopicSize

pytestmark = pytest.mark.connected

# Granted in the shipped catalog: every department may publish the paperless rate for
# itself; only vp-ubnd may publish it for the province. so-tttt publishes the count of
# digital-technology enterprises for the province.
AGENCY = "so-tttt"


def event(**fields: Any) -> dict[str, Any]:
    return {
        "event_id": str(uuid4()),
        "indicator": "dvc.paperless-rate",
        "scope": AGENCY,
        "observed_at": "2023-06-30T17:00:00+07:00",
        "value": 37.5,
        "numerator": 731,
        "denominator": 1950,
        **fields,
    }


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


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


async def test_without_a_valid_key_the_answer_is_401(
    start_ingest: StartIngest,
    issue_key: IssueKey,
    revoke_key: RevokeKey,
    topic: str,
    topic_size: TopicSize,
    audit_rows: AuditRows,
) -> None:
    revoked = await issue_key(AGENCY)
    async with start_ingest(ingest_topic=topic) as ingest:
        # Revoked before this app ever saw it: no cached lookup to lean on.
        await revoke_key(revoked.key_prefix)
        attempts = {
            "no key": {},
            "malformed": auth("not-a-key"),
            "unknown": auth("ioc_abcd1234_" + "x" * 43),
            "revoked": auth(revoked.key),
            "basic auth": {"Authorization": "Basic dXNlcjpwYXNz"},
        }
        for name, headers in attempts.items():
            response = await ingest.client.post("/v1/events", json=event(), headers=headers)
            assert response.status_code == 401, name
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
            assert "API key" in response.json()["detail"]
        assert ingest.metric("ioc_ingest_requests_total", status="401", agency="unknown") == 5
    assert await topic_size(topic) == 0
    rows = await audit_rows(ingest.remote_addr)
    assert [(row["status_code"], row["agency"], row["credential"]) for row in rows] == [
        (401, None, None)
    ] * 5
    assert json.loads(rows[3]["detail"])["key_prefix"] == revoked.key_prefix


async def test_a_revoked_key_stops_working_once_its_cache_entry_expires(
    start_ingest: StartIngest, issue_key: IssueKey, revoke_key: RevokeKey
) -> None:
    key = await issue_key(AGENCY)
    async with start_ingest(ingest_credential_cache_seconds=30) as ingest:
        # An empty batch is refused after authentication: 422 proves the key was accepted.
        first = await ingest.client.post("/v1/events", json={"events": []}, headers=auth(key.key))
        assert first.status_code == 422
        await revoke_key(key.key_prefix)
        ingest.clock.advance(29)
        cached = await ingest.client.post("/v1/events", json={"events": []}, headers=auth(key.key))
        assert cached.status_code == 422
        ingest.clock.advance(2)
        expired = await ingest.client.post("/v1/events", json={"events": []}, headers=auth(key.key))
        assert expired.status_code == 401


async def test_indicators_and_agencies_not_granted_are_403_and_named(
    start_ingest: StartIngest, issue_key: IssueKey, topic: str, topic_size: TopicSize
) -> None:
    key = await issue_key(AGENCY)
    async with start_ingest(ingest_topic=topic) as ingest:
        not_granted = await ingest.client.post(
            "/v1/events", json=event(scope="province"), headers=auth(key.key)
        )
        other_agency = await ingest.client.post(
            "/v1/events",
            json={"events": [event(), event(agency="so-tnmt", scope="so-tnmt")]},
            headers=auth(key.key),
        )
        wrong_indicator = await ingest.client.post(
            "/v1/events",
            json=event(indicator="grdp.growth", scope="province", value=8.5),
            headers=auth(key.key),
        )
    assert not_granted.status_code == 403
    [error] = not_granted.json()["errors"]
    assert (error["index"], error["field"]) == (0, "scope")
    assert "dvc.paperless-rate" in error["reason"]

    assert other_agency.status_code == 403
    errors = other_agency.json()["errors"]
    assert {(e["index"], e["field"]) for e in errors} == {(1, "agency"), (1, "scope")}
    assert any("comes from the credential" in e["reason"] for e in errors)
    assert "nothing was published" in other_agency.json()["detail"]

    assert wrong_indicator.status_code == 403
    [error] = wrong_indicator.json()["errors"]
    assert error["field"] == "indicator"
    assert "grdp.growth" in error["reason"]
    assert await topic_size(topic) == 0


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


async def test_an_agency_over_its_rate_gets_429_with_retry_after(
    start_ingest: StartIngest, issue_key: IssueKey, audit_rows: AuditRows
) -> None:
    key = await issue_key(AGENCY)
    other = await issue_key("so-nv")
    async with start_ingest(ingest_rate_per_second=0.5, ingest_rate_burst=2) as ingest:
        answers = [
            (await ingest.client.post("/v1/events", json={"events": []}, headers=auth(key.key)))
            for _ in range(3)
        ]
        # Another agency has a bucket of its own.
        elsewhere = await ingest.client.post(
            "/v1/events", json={"events": []}, headers=auth(other.key)
        )
        ingest.clock.advance(2)
        later = await ingest.client.post("/v1/events", json={"events": []}, headers=auth(key.key))
        throttled = ingest.metric("ioc_ingest_requests_total", status="429", agency=AGENCY)
    assert [answer.status_code for answer in answers] == [422, 422, 429]
    assert answers[2].headers["Retry-After"] == "2"
    assert "too many requests" in answers[2].json()["detail"]
    assert elsewhere.status_code == 422
    assert later.status_code == 422
    assert throttled == 1
    rows = await audit_rows(ingest.remote_addr)
    assert [(row["agency"], row["status_code"]) for row in rows] == [
        (AGENCY, 422),
        (AGENCY, 422),
        (AGENCY, 429),
        ("so-nv", 422),
        (AGENCY, 422),
    ]


async def test_every_request_leaves_an_audit_row_and_moves_the_counters(
    start_ingest: StartIngest, issue_key: IssueKey, topic: str, audit_rows: AuditRows
) -> None:
    key = await issue_key(AGENCY)
    good = [event(), event(observed_at="2023-07-31T17:00:00+07:00")]
    async with start_ingest(ingest_topic=topic) as ingest:
        accepted = await ingest.client.post(
            "/v1/events", json={"events": good}, headers=auth(key.key)
        )
        refused = await ingest.client.post(
            "/v1/events",
            json={"events": [event(), event(value=-5), event()]},
            headers=auth(key.key),
        )
        await ingest.client.post("/v1/events", json=event())
        assert ingest.metric("ioc_ingest_requests_total", status="202", agency=AGENCY) == 1
        assert ingest.metric("ioc_ingest_requests_total", status="422", agency=AGENCY) == 1
        assert ingest.metric("ioc_ingest_events_total", outcome="accepted", agency=AGENCY) == 2
        assert ingest.metric("ioc_ingest_events_total", outcome="rejected", agency=AGENCY) == 3
        assert ingest.metric("ioc_ingest_kafka_publish_seconds_count") == 1
        scraped = await ingest.client.get("/metrics")
    assert (accepted.status_code, refused.status_code) == (202, 422)
    assert 'ioc_ingest_requests_total{agency="so-tttt",status="202"} 1.0' in scraped.text

    rows = await audit_rows(ingest.remote_addr)
    assert [
        (
            row["agency"],
            row["credential"],
            row["action"],
            row["accepted"],
            row["rejected"],
            row["status_code"],
        )
        for row in rows
    ] == [
        (AGENCY, key.id, "events.publish", 2, 0, 202),
        (AGENCY, key.id, "events.publish", 0, 3, 422),
        (None, None, "events.publish", 0, 0, 401),
    ]
    accepted_detail = json.loads(rows[0]["detail"])
    assert accepted_detail["event_ids"] == [item["event_id"] for item in good]
    assert accepted_detail["key_prefix"] == key.key_prefix
    refused_detail = json.loads(rows[1]["detail"])
    assert refused_detail["errors"] == [
        {"index": 1, "field": "value", "reason": refused.json()["errors"][0]["reason"]}
    ]
