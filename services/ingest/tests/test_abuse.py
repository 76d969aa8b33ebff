"""Floods refused before the database: failed attempts per client address, a bounded
wait for a connection, and non-ASCII credentials. In-process, against the real
database and Kafka."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from .conftest import AuditRows, IssueKey, StartIngest

pytestmark = pytest.mark.connected

AGENCY = "so-tttt"
UNKNOWN_KEY = "ioc_abcd1234_" + "x" * 43


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def test_an_address_that_keeps_failing_is_refused_before_the_database_and_the_audit(
    start_ingest: StartIngest, issue_key: IssueKey, audit_rows: AuditRows, topic: str
) -> None:
    key = await issue_key(AGENCY)
    async with start_ingest(
        ingest_topic=topic, ingest_failed_attempts_burst=3, ingest_failed_attempts_per_minute=6
    ) as ingest:
        codes = []
        for _ in range(6):
            answer = await ingest.client.post(
                "/v1/events", json={"events": []}, headers=auth(UNKNOWN_KEY)
            )
            codes.append(answer.status_code)
        assert codes == [401, 401, 401, 429, 429, 429]
        assert answer.headers["Retry-After"] == "10"
        # The right key from a cooling address waits too (it cannot be told from a guess).
        refused = await ingest.client.post("/v1/events", json={"events": []}, headers=auth(key.key))
        assert refused.status_code == 429
        ingest.clock.advance(10)
        accepted = await ingest.client.post(
            "/v1/events", json={"events": []}, headers=auth(key.key)
        )
        assert accepted.status_code == 422, accepted.text  # past the door: the body is judged
        assert ingest.metric("ioc_ingest_requests_total", status="429", agency="unknown") == 4
    # The refused requests left no audit rows: a flood does not become a flood of rows.
    rows = await audit_rows(ingest.remote_addr)
    assert [row["status_code"] for row in rows] == [401, 401, 401, 422]


@pytest.mark.parametrize(
    "headers",
    [
        [(b"authorization", "Bearer été".encode())],
        [(b"authorization", b"Bearer \xff\xfe\x00")],
        [(b"x-api-key", "ioc_abcd1234_é".encode())],
        [(b"authorization", b"Bearer"), (b"x-api-key", b"\xc3")],
    ],
)
async def test_credentials_of_any_shape_are_401(
    start_ingest: StartIngest, topic: str, headers: list[tuple[bytes, bytes]]
) -> None:
    async with start_ingest(ingest_topic=topic) as ingest:
        answer = await ingest.client.post("/v1/events", json={"events": []}, headers=headers)
    assert answer.status_code == 401, answer.text


async def test_no_free_connection_in_time_is_503_not_a_queue(
    start_ingest: StartIngest, topic: str
) -> None:
    async with start_ingest(ingest_topic=topic, ingest_db_acquire_timeout_seconds=0.5) as ingest:
        pool: Any = ingest.app.state.services.pool
        held = [await pool.acquire() for _ in range(pool.get_max_size())]
        try:
            started = time.monotonic()
            answer = await ingest.client.post(
                "/v1/events", json={"events": []}, headers=auth(UNKNOWN_KEY)
            )
            waited = time.monotonic() - started
        finally:
            await asyncio.gather(*(pool.release(connection) for connection in held))
    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == str(ingest.settings.ingest_retry_after_seconds)
    # The key lookup and the audit write each waited at most the bound.
    assert waited < 5
