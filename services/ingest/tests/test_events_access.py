"""POST /v1/events against the real Kafka and database: who may publish (a valid key, a
granted indicator and scope, within the agency's rate), and every answer audited and
counted."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from .event_requests import AGENCY, auth, event

if TYPE_CHECKING:
    from .conftest import AuditRows, IssueKey, RevokeKey, StartIngest, TopicSize

pytestmark = pytest.mark.connected


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
