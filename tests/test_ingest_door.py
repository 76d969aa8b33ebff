"""The ingest process at its door: the real client address behind a configured proxy,
and an audit trail kept to its retention. Real process, database of the test's own."""

from __future__ import annotations

from pathlib import Path

import asyncpg
import httpx
import pytest

from ioc_testing import ScratchDatabase
from ioc_testing.pipeline import PipelineTopics, ingest_service, wait_for

pytestmark = pytest.mark.connected

UNKNOWN_KEY = "ioc_abcd1234_" + "x" * 43


@pytest.mark.parametrize(
    ("allowed", "recorded"),
    [("127.0.0.1", "203.0.113.7"), ("10.9.9.9", "127.0.0.1")],
    ids=["behind-the-configured-proxy", "header-from-an-untrusted-peer"],
)
async def test_the_audit_row_has_the_client_address_the_proxy_saw(
    catalog_database: ScratchDatabase,
    pipeline_topics: PipelineTopics,
    kafka_bootstrap: str,
    tmp_path: Path,
    allowed: str,
    recorded: str,
) -> None:
    ingest = ingest_service(
        catalog_database,
        pipeline_topics,
        kafka_bootstrap,
        tmp_path / "ingest.log",
        IOC_FORWARDED_ALLOW_IPS=allowed,
    )
    ingest.start()
    try:
        ingest.wait_ready()
        async with httpx.AsyncClient(base_url=ingest.url, timeout=30) as client:
            answer = await client.post(
                "/v1/events",
                json={"events": []},
                headers={
                    "Authorization": f"Bearer {UNKNOWN_KEY}",
                    "X-Forwarded-For": "203.0.113.7",
                },
            )
        assert answer.status_code == 401
    finally:
        ingest.kill()
    reader = await asyncpg.connect(catalog_database.dsns["reader"])
    try:
        addresses = await reader.fetch("SELECT remote_addr FROM ioc.audit_log")
    finally:
        await reader.close()
    assert [row["remote_addr"] for row in addresses] == [recorded]


async def test_audit_rows_past_retention_are_removed_and_recent_ones_never(
    catalog_database: ScratchDatabase,
    pipeline_topics: PipelineTopics,
    kafka_bootstrap: str,
    tmp_path: Path,
) -> None:
    migrator = await asyncpg.connect(catalog_database.dsns["migrator"])
    try:
        for days in (400, 40, 10):
            await migrator.execute(
                "INSERT INTO ioc.audit_log (at, action, status_code, detail) "
                "VALUES (now() - make_interval(days => $1), 'events.publish', 200, $2::jsonb)",
                days,
                f'{{"age_days": {days}}}',
            )
        ingest = ingest_service(
            catalog_database,
            pipeline_topics,
            kafka_bootstrap,
            tmp_path / "ingest.log",
            IOC_INGEST_AUDIT_RETENTION_DAYS="365",
        )
        ingest.start()
        try:
            ingest.wait_ready()

            async def pruned() -> bool:
                count = await migrator.fetchval("SELECT count(*) FROM ioc.audit_log")
                return bool(count == 2)

            await wait_for(pruned, what="the audit row past a year to go")
        finally:
            ingest.kill()

        own = await asyncpg.connect(catalog_database.dsns["ingest"])
        try:
            # The gateway's role may not delete rows itself, and the function it may call
            # keeps 30 days whatever it is asked.
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await own.execute("DELETE FROM ioc.audit_log")
            assert await own.fetchval("SELECT ioc.prune_audit_log(interval '1 day')") == 1
        finally:
            await own.close()
        left = await migrator.fetch("SELECT detail->>'age_days' AS age FROM ioc.audit_log")
        assert [row["age"] for row in left] == ["10"]
    finally:
        await migrator.close()
