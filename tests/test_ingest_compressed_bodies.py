"""Compressed bodies against the real gateway process (its own entry point, served as in
production): curl, a client an agency's script would use, posts a gzip file and its
events are published; a flood of gzip bombs from an agency with a valid key (each a
megabyte that unpacks to a gigabyte) is answered 413 every time in bounded memory, and
the gateway stays ready."""

from __future__ import annotations

import asyncio
import gzip
import json
import zlib
from pathlib import Path
from uuid import uuid4

import httpx
import pytest
from aiokafka import AIOKafkaConsumer

from ioc_testing import ScratchDatabase
from ioc_testing.database import issue_api_key
from ioc_testing.pipeline import PipelineTopics, ingest_service

pytestmark = pytest.mark.connected

AGENCY = "so-tttt"
BOMBS = 120
# Eight bombs unpacked at once hold 8 MiB of text, the allocator's slack on top; a
# gateway unpacking a bomb whole would hold a gigabyte for one.
MOST_GROWTH_MIB = 48.0


def _bomb() -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = bytes(1 << 20)
    return b"".join(compressor.compress(zeros) for _ in range(1000)) + compressor.flush()


def _event(value: float) -> dict[str, object]:
    return {
        "event_id": str(uuid4()),
        "indicator": "dvc.paperless-rate",
        "scope": AGENCY,
        "observed_at": "2023-06-30T17:00:00+07:00",
        "value": value,
    }


async def _published_values(kafka_bootstrap: str, topic: str, expected: int) -> list[float]:
    """The values on the topic, read from its start until `expected` arrived and a
    second more passed (a duplicate would arrive in it)."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=kafka_bootstrap, auto_offset_reset="earliest"
    )
    await consumer.start()
    values: list[float] = []
    try:
        async with asyncio.timeout(60):
            while len(values) < expected:
                for records in (await consumer.getmany(timeout_ms=500)).values():
                    values.extend(json.loads(r.value or b"")["value"] for r in records)
        for records in (await consumer.getmany(timeout_ms=1000)).values():
            values.extend(json.loads(r.value or b"")["value"] for r in records)
    finally:
        await consumer.stop()
    return sorted(values)


async def _curl(*arguments: str) -> tuple[str, str]:
    """curl's answer body and status."""
    process = await asyncio.create_subprocess_exec(
        "curl", "--silent", "--show-error", "--write-out", "\n%{http_code}", *arguments,
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    output, _ = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, output
    body, _, status = output.decode().rpartition("\n")
    return body, status


async def test_curl_posts_a_gzip_file_and_bombs_are_refused_in_bounded_memory(
    catalog_database: ScratchDatabase,
    pipeline_topics: PipelineTopics,
    kafka_bootstrap: str,
    tmp_path: Path,
) -> None:
    key = await issue_api_key(catalog_database, AGENCY, comment="compressed bodies")
    gateway = ingest_service(
        catalog_database,
        pipeline_topics,
        kafka_bootstrap,
        tmp_path / "ingest.log",
        IOC_INGEST_RATE_PER_SECOND="1000",
        IOC_INGEST_RATE_BURST="1000",
    )
    report = tmp_path / "events.json.gz"
    report.write_bytes(
        gzip.compress(json.dumps({"events": [_event(n) for n in range(50)]}).encode())
    )
    bomb = _bomb()
    gateway.start()
    try:
        gateway.wait_ready()
        body, status = await _curl(
            "--data-binary", f"@{report}",
            "--header", f"X-API-Key: {key}",
            "--header", "Content-Type: application/json",
            "--header", "Content-Encoding: gzip",
            f"{gateway.url}/v1/events",
        )  # fmt: skip
        async with httpx.AsyncClient(base_url=gateway.url, timeout=60) as client:
            headers = {
                "X-API-Key": key,
                "Content-Type": "application/json",
                "Content-Encoding": "gzip",
            }

            async def flood(count: int) -> set[int]:
                return {
                    (await client.post("/v1/events", content=bomb, headers=headers)).status_code
                    for _ in range(count)
                }

            warm = set().union(*await asyncio.gather(*(flood(2) for _ in range(8))))
            before = gateway.resident_mib()
            statuses = set().union(*await asyncio.gather(*(flood(BOMBS // 8) for _ in range(8))))
            after = gateway.resident_mib()
            ready = (await client.get("/readyz")).status_code
    finally:
        gateway.kill()
    assert status == "202", body
    assert json.loads(body)["accepted"] == 50
    assert warm | statuses == {413}
    assert ready == 200
    assert after - before < MOST_GROWTH_MIB, (before, after)
    values = await _published_values(kafka_bootstrap, pipeline_topics.events, 50)
    assert values == [float(n) for n in range(50)]
