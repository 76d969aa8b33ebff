"""Many requests at once, as agencies' systems send them: their audit rows and their
checks of re-sent ids are served together (`ioc_runtime.coalescing`), and still each
request gets its own verdict and exactly one audit row of its own."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from uuid import UUID, uuid4

import asyncpg
import pytest

from ioc_ingest.adapters.audit import AuditEntry, AuditLog
from ioc_storage.connection import Connection

from .event_requests import AGENCY, auth, event

if TYPE_CHECKING:
    from .conftest import AuditRows, IssueKey, ReadTopic, StartIngest

pytestmark = pytest.mark.connected

REQUESTS = 40
JUNE = datetime(2023, 6, 30, 10, tzinfo=UTC)


@pytest.fixture
async def stored_ids(migrator: Connection) -> AsyncIterator[list[str]]:
    """Ids this test puts in the ledger of the shared database, removed afterwards."""
    ids: list[str] = []
    yield ids
    for table in ("observations", "event_ids"):
        await migrator.execute(
            f"DELETE FROM ioc.{table} WHERE event_id = ANY($1::uuid[])",  # fixed names
            [UUID(i) for i in ids],
        )


async def _stored(migrator: Connection, event_id: str, value: float) -> None:
    """An event of the agency's already in the ledger, as the aggregator leaves it."""
    await migrator.execute(
        "INSERT INTO ioc.event_ids (agency, event_id, observed_at) VALUES ($1, $2, $3)",
        AGENCY,
        UUID(event_id),
        JUNE,
    )
    await migrator.execute(
        "INSERT INTO ioc.observations (event_id, observed_at, indicator, scope, agency, value,"
        " numerator, denominator, received_at) VALUES ($1, $2, 'dvc.paperless-rate', $3, $3,"
        " $4, 731, 1950, now())",
        UUID(event_id),
        JUNE,
        AGENCY,
        value,
    )


async def test_each_of_many_requests_at_once_gets_its_own_verdict_and_audit_row(
    start_ingest: StartIngest,
    issue_key: IssueKey,
    topic: str,
    read_topic: ReadTopic,
    audit_rows: AuditRows,
    migrator: Connection,
    stored_ids: list[str],
) -> None:
    key = await issue_key(AGENCY)
    events = [event(value=float(n)) for n in range(REQUESTS)]
    # Two of them re-send ids already stored: one with the stored content (a duplicate,
    # accepted), one with other content (refused, naming the value).
    same, changed = events[7], events[23]
    stored_ids += [same["event_id"], changed["event_id"]]
    await _stored(migrator, same["event_id"], same["value"])
    await _stored(migrator, changed["event_id"], 99.0)
    async with start_ingest(ingest_topic=topic) as ingest:
        answers = await asyncio.gather(
            *(ingest.client.post("/v1/events", json=e, headers=auth(key.key)) for e in events)
        )
        rows = await audit_rows(ingest.remote_addr)

    statuses = {e["event_id"]: a.status_code for e, a in zip(events, answers, strict=True)}
    assert statuses[changed["event_id"]] == 422
    assert {s for i, s in statuses.items() if i != changed["event_id"]} == {202}
    [problem] = answers[23].json()["errors"]
    assert problem["field"] == "value"
    assert "value: 99 → 23" in problem["reason"]
    for sent, answer in zip(events, answers, strict=True):
        if answer.status_code == 202:
            assert answer.json()["event_ids"] == [sent["event_id"]]

    published = await read_topic(topic, REQUESTS - 1)
    assert sorted(json.loads(r.value)["event_id"] for r in published) == sorted(
        e["event_id"] for e in events if e is not changed
    )
    # One row per request; each accepted request's row names its own event, the refused
    # one its problem.
    assert len(rows) == REQUESTS
    by_event = {}
    for row in rows:
        detail = json.loads(row["detail"])
        if row["status_code"] == 202:
            [event_id] = detail["event_ids"]
            by_event[event_id] = (row["accepted"], row["rejected"])
        else:
            assert (row["status_code"], row["accepted"], row["rejected"]) == (422, 0, 1)
            assert detail["errors"][0]["field"] == "value"
    assert by_event == {e["event_id"]: (1, 0) for e in events if e is not changed}


async def test_a_row_the_database_refuses_does_not_take_the_others_of_its_statement(
    role_dsns: dict[str, str], audit_rows: AuditRows
) -> None:
    remote_addr = f"audit-test-{uuid4()}"

    def entry(accepted: int) -> AuditEntry:
        return AuditEntry(
            agency=AGENCY,
            credential=None,
            action="events.publish",
            accepted=accepted,
            rejected=0,
            status_code=202,
            remote_addr=remote_addr,
            detail={"n": accepted},
        )

    pool = await asyncpg.create_pool(role_dsns["ingest"], min_size=1, max_size=2)
    try:
        audit = AuditLog(pool, timeout_seconds=5)
        # Written together; -1 breaks the table's check on accepted.
        outcomes = await asyncio.gather(
            *(audit.write(entry(n)) for n in (1, 2, -1, 3)), return_exceptions=True
        )
    finally:
        await pool.close()
    assert outcomes[:2] == [None, None]
    assert outcomes[3] is None
    assert isinstance(outcomes[2], asyncpg.CheckViolationError)
    rows = await audit_rows(remote_addr)
    assert [json.loads(r["detail"])["n"] for r in rows] == [1, 2, 3]
