"""When Kafka or the database is away, the answer is 503 with Retry-After, never 2xx."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from uuid import uuid4

import pytest

if TYPE_CHECKING:
    from ioc_storage.connection import Connection

    from .conftest import AuditRows, IssueKey, StartIngest, TopicSize

pytestmark = pytest.mark.connected

AGENCY = "so-tttt"


def event() -> dict[str, Any]:
    return {
        "event_id": str(uuid4()),
        "indicator": "dvc.paperless-rate",
        "scope": AGENCY,
        "observed_at": "2023-06-30T17:00:00+07:00",
        "value": 37.5,
    }


async def test_kafka_unreachable_means_503_and_not_ready(
    start_ingest: StartIngest,
    issue_key: IssueKey,
    closed_port: int,
    topic: str,
    topic_size: TopicSize,
    audit_rows: AuditRows,
) -> None:
    key = await issue_key(AGENCY)
    async with start_ingest(
        wait_ready=False,
        kafka_bootstrap_servers=f"127.0.0.1:{closed_port}",
        ingest_topic=topic,
        ingest_retry_after_seconds=7,
    ) as ingest:
        ready = await ingest.client.get("/readyz")
        response = await ingest.client.post(
            "/v1/events", json={"events": [event(), event()]}, headers={"X-API-Key": key.key}
        )
        alive = await ingest.client.get("/healthz")
        failures = ingest.metric("ioc_ingest_kafka_publish_failures_total")
        rejected = ingest.metric("ioc_ingest_events_total", outcome="rejected", agency=AGENCY)
        accepted = ingest.metric("ioc_ingest_events_total", outcome="accepted", agency=AGENCY)
    assert ready.status_code == 503
    assert ready.json()["checks"] == {"kafka": "not connected", "database": "ok", "catalog": "ok"}
    assert alive.status_code == 200

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "7"
    assert "Kafka is unavailable" in response.json()["detail"]
    assert (failures, rejected, accepted) == (1, 2, 0)
    assert await topic_size(topic) == 0
    [audit] = await audit_rows(ingest.remote_addr)
    assert (audit["agency"], audit["accepted"], audit["rejected"], audit["status_code"]) == (
        AGENCY,
        0,
        2,
        503,
    )


async def test_kafka_not_acknowledging_in_time_means_503(
    start_ingest: StartIngest, issue_key: IssueKey, unique_name: str, audit_rows: AuditRows
) -> None:
    key = await issue_key(AGENCY)
    # The broker creates no topic on demand, so a send to a missing one is never
    # acknowledged: the bounded wait must end it.
    missing_topic = f"{unique_name}.never-created"
    async with start_ingest(
        ingest_topic=missing_topic, ingest_publish_timeout_seconds=1.0
    ) as ingest:
        response = await ingest.client.post(
            "/v1/events", json=event(), headers={"Authorization": f"Bearer {key.key}"}
        )
        failures = ingest.metric("ioc_ingest_kafka_publish_failures_total")
        acknowledged = ingest.metric("ioc_ingest_kafka_publish_seconds_count")
    assert response.status_code == 503
    assert "did not acknowledge the events within 1 s" in response.json()["detail"]
    assert response.headers["Retry-After"] == "5"
    assert (failures, acknowledged) == (1, 0)
    [audit] = await audit_rows(ingest.remote_addr)
    assert audit["status_code"] == 503
    assert "event_ids" not in json.loads(audit["detail"])


async def test_database_unreachable_means_503_not_401(
    start_ingest: StartIngest, issue_key: IssueKey, closed_port: int
) -> None:
    key = await issue_key(AGENCY)
    async with start_ingest(
        wait_ready=False,
        database_url=f"postgresql://ioc_ingest:x@127.0.0.1:{closed_port}/ioc",
    ) as ingest:
        ready = await ingest.client.get("/readyz")
        response = await ingest.client.post(
            "/v1/events", json=event(), headers={"X-API-Key": key.key}
        )
        unavailable = ingest.metric("ioc_ingest_requests_total", status="503", agency="unknown")
    assert ready.status_code == 503
    checks = ready.json()["checks"]
    assert checks["database"].startswith("unreachable")
    assert checks["catalog"] == "not read yet"
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "API keys cannot be checked" in response.json()["detail"]
    assert unavailable == 1


async def test_ids_that_cannot_be_checked_mean_503_and_the_next_request_is_checked_again(
    start_ingest: StartIngest,
    issue_key: IssueKey,
    topic: str,
    topic_size: TopicSize,
    migrator: Connection,
) -> None:
    key = await issue_key(AGENCY)
    headers = {"X-API-Key": key.key}
    # The key and the catalog are cached by the first request; then the one statement
    # that checks re-sent ids fails, as it would on a database failing over.
    lookup = "FUNCTION ioc.stored_events(text[], uuid[])"
    async with start_ingest(ingest_topic=topic) as ingest:
        first = await ingest.client.post("/v1/events", json=event(), headers=headers)
        await migrator.execute(f"REVOKE EXECUTE ON {lookup} FROM ioc_ingest")
        try:
            refused = await ingest.client.post(
                "/v1/events", json={"events": [event(), event()]}, headers=headers
            )
        finally:
            await migrator.execute(f"GRANT EXECUTE ON {lookup} TO ioc_ingest")
        again = await ingest.client.post("/v1/events", json=event(), headers=headers)
    assert (first.status_code, refused.status_code, again.status_code) == (202, 503, 202)
    assert refused.headers["Retry-After"] == "5"
    assert "re-sent event ids cannot be checked" in refused.json()["detail"]
    assert await topic_size(topic) == 2
