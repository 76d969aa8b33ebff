"""HTTP ingest → Kafka → aggregator → TimescaleDB, every part real and its own process."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaProducer

from ioc_contracts.topics import series_key_bytes
from ioc_testing import ScratchDatabase
from ioc_testing.database import issue_api_key
from ioc_testing.pipeline import PipelineTopics, ServiceProcess, wait_for

pytestmark = pytest.mark.connected

T0 = datetime(2023, 6, 1, tzinfo=UTC)


async def _api_key(database: ScratchDatabase, agency: str) -> str:
    return await issue_api_key(database, agency, comment="end-to-end test")


def _figure(day: int, value: float, **fields: Any) -> dict[str, Any]:
    return {
        "event_id": str(uuid.uuid4()),
        "indicator": "dvc.paperless-rate",
        "scope": "province",
        "observed_at": (T0 + timedelta(days=day)).isoformat(),
        "value": value,
        **fields,
    }


async def _rows(database: ScratchDatabase) -> dict[str, tuple[str, float]]:
    connection = await asyncpg.connect(database.dsns["reader"])
    try:
        rows = await connection.fetch(
            "SELECT event_id::text AS id, agency, value FROM ioc.observations"
        )
    finally:
        await connection.close()
    return {row["id"]: (row["agency"], row["value"]) for row in rows}


async def test_http_and_direct_kafka_events_both_end_as_rows_once(
    aggregator_process: ServiceProcess,
    ingest_process: ServiceProcess,
    catalog_database: ScratchDatabase,
    pipeline_topics: PipelineTopics,
    producer: AIOKafkaProducer,
) -> None:
    aggregator_process.start()
    aggregator_process.wait_ready()
    office = await _api_key(catalog_database, "vp-ubnd")
    over_http = [_figure(day, 37.0 + day) for day in range(5)]
    async with httpx.AsyncClient(base_url=ingest_process.url, timeout=30) as client:
        response = await client.post(
            "/v1/events", json={"events": over_http}, headers={"Authorization": f"Bearer {office}"}
        )
        assert response.status_code == 202, response.text
        assert set(response.json()["event_ids"]) == {e["event_id"] for e in over_http}
        # Sent again (a client retrying after a lost answer): still one row each.
        again = await client.post(
            "/v1/events", json={"events": over_http}, headers={"X-API-Key": office}
        )
        assert again.status_code == 202

        # Another agency's key cannot publish the Office's province-wide figure.
        construction = await _api_key(catalog_database, "so-xd")
        refused = await client.post(
            "/v1/events", json=_figure(9, 99.0), headers={"X-API-Key": construction}
        )
        assert refused.status_code == 403
        assert "dvc.paperless-rate" in refused.text

    direct = _figure(7, 45.0, agency="vp-ubnd")
    stolen = _figure(8, 99.0, agency="so-xd")  # the same attempt, straight to Kafka
    for item in (direct, stolen):
        await (
            await producer.send(
                pipeline_topics.events,
                json.dumps(item).encode(),
                key=series_key_bytes(item["indicator"], item["scope"]),
            )
        )

    expected = {e["event_id"] for e in over_http} | {direct["event_id"]}

    async def all_stored() -> bool:
        return set(await _rows(catalog_database)) >= expected

    await wait_for(all_stored, what="the HTTP and the direct events")
    # The stolen record may sit in a later batch than the direct one: rows are judged
    # only once it has been dead-lettered, so a wrongly stored copy could not slip by.
    await aggregator_process.wait_for_sample(
        'ioc_aggregator_dead_letters_total{error_code="not_granted"} 1.0'
    )
    rows = await _rows(catalog_database)
    assert set(rows) == expected  # nothing twice, nothing from so-xd
    assert {agency for agency, _ in rows.values()} == {"vp-ubnd"}  # from the credential
