"""A flood of bad requests against the real gateway process, started by its own entry
point (so with the collector settings every service runs with, `ioc_runtime.collector`,
which collect the young generation every 50,000 objects instead of 700): every request
is answered with a client error, the gateway stays ready, and its memory stays bounded,
from many client addresses behind the trusted proxy (each with its own failed-attempts
bucket) as from one. That the collector still frees reference cycles under those
settings is `libs/runtime/tests/test_collector.py`'s to show."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest

from ioc_testing import ScratchDatabase
from ioc_testing.pipeline import PipelineTopics, ingest_service

pytestmark = pytest.mark.connected

UNKNOWN_KEY = "ioc_abcd1234_" + "x" * 43
WARM_UP = 500
FLOOD = 3_000
# Garbage the young generation may hold between two collections (50,000 objects) plus
# the allocator's slack; a gateway keeping something per request grows by far more.
MOST_GROWTH_MIB = 24.0


def _bad_request(number: int) -> dict[str, Any]:
    """Unknown keys, no key, a body that is not JSON, a body far too large; every other
    request from an address of its own, the rest from one."""
    address = f"198.51.{number // 256 % 256}.{number % 256}" if number % 2 else "203.0.113.9"
    headers = {"X-Forwarded-For": address}
    kind = number % 4
    if kind == 0:
        key = {"Authorization": f"Bearer {UNKNOWN_KEY}"}
        return {"headers": headers | key, "json": {"events": []}}
    if kind == 1:
        return {"headers": headers, "json": {"events": [{"event_id": "not a uuid"}]}}
    if kind == 2:
        return {"headers": headers | {"X-API-Key": UNKNOWN_KEY}, "content": b"{not json"}
    key = {"Authorization": f"Bearer {UNKNOWN_KEY}"}
    return {"headers": headers | key, "content": b"x" * 200_000}


async def _send(client: httpx.AsyncClient, first: int, count: int) -> set[int]:
    statuses: set[int] = set()
    numbers = iter(range(first, first + count))

    async def sender() -> None:
        for number in numbers:
            answer = await client.post("/v1/events", **_bad_request(number))
            statuses.add(answer.status_code)

    await asyncio.gather(*(sender() for _ in range(8)))
    return statuses


async def test_a_flood_of_bad_requests_is_answered_in_bounded_memory(
    catalog_database: ScratchDatabase,
    pipeline_topics: PipelineTopics,
    kafka_bootstrap: str,
    tmp_path: Path,
) -> None:
    gateway = ingest_service(
        catalog_database,
        pipeline_topics,
        kafka_bootstrap,
        tmp_path / "ingest.log",
        IOC_FORWARDED_ALLOW_IPS="127.0.0.1",
    )
    gateway.start()
    try:
        gateway.wait_ready()
        async with httpx.AsyncClient(base_url=gateway.url, timeout=30) as client:
            statuses = await _send(client, 0, WARM_UP)
            before = gateway.resident_mib()
            statuses |= await _send(client, WARM_UP, FLOOD)
            after = gateway.resident_mib()
            # Still serving: its readiness answers after the flood.
            assert (await client.get("/readyz")).status_code == 200
    finally:
        gateway.kill()
    # Every request was refused with a client error, none failed inside the gateway.
    assert statuses, "no answers"
    assert all(400 <= status < 500 for status in statuses), statuses
    assert after - before < MOST_GROWTH_MIB, (before, after)
