"""Agencies read back what they sent, through the real gateway, Kafka, aggregator and
TimescaleDB: a series' figures of record with every revision (who, when, which is of
record, quality flags), what became of an event (stored, superseded, refused by the
pipeline and why), and nothing of another agency's (404)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaProducer

from ioc_contracts import series_key_bytes
from ioc_storage.credentials import create_api_key
from ioc_testing import ScratchDatabase
from ioc_testing.pipeline import PipelineTopics, ServiceProcess, wait_for

pytestmark = pytest.mark.connected

MAY, JUNE, JULY = (
    "2023-05-31T17:00:00+07:00",
    "2023-06-30T17:00:00+07:00",
    "2023-07-31T17:00:00+07:00",
)
PAPERLESS = "dvc.paperless-rate"


def _event(scope: str, observed_at: str, value: float, **extra: Any) -> dict[str, Any]:
    return {
        "event_id": str(uuid.uuid4()),
        "indicator": PAPERLESS,
        "scope": scope,
        "observed_at": observed_at,
        "value": value,
        **extra,
    }


async def _api_key(database: ScratchDatabase, agency: str) -> dict[str, str]:
    connection = await asyncpg.connect(database.dsns["migrator"])
    try:
        key = (await create_api_key(connection, agency=agency, comment="read-back test")).key
    finally:
        await connection.close()
    return {"X-API-Key": key}


async def _count(database: ScratchDatabase, table: str) -> int:
    connection = await asyncpg.connect(database.dsns["reader"])
    try:
        count: int = await connection.fetchval(f"SELECT count(*) FROM {table}")
    finally:
        await connection.close()
    return count


async def _send(client: httpx.AsyncClient, event: dict[str, Any], key: dict[str, str]) -> str:
    answer = await client.post("/v1/events", json=event, headers=key)
    assert answer.status_code == 202, answer.text
    return str(event["event_id"])


async def _straight_to_kafka(producer: AIOKafkaProducer, topic: str, event: dict[str, Any]) -> None:
    await producer.send_and_wait(
        topic,
        json.dumps({"agency": "vp-ubnd", **event}).encode(),
        key=series_key_bytes(event["indicator"], event["scope"]),
    )


async def test_agencies_read_back_their_series_and_events_and_nothing_else(
    aggregator_process: ServiceProcess,
    ingest_process: ServiceProcess,
    catalog_database: ScratchDatabase,
    pipeline_topics: PipelineTopics,
    producer: AIOKafkaProducer,
) -> None:
    # The catalog of this test flags a jump of more than 25 points in the paperless rate.
    owner = await asyncpg.connect(catalog_database.dsns["migrator"])
    try:
        await owner.execute(
            "UPDATE ioc.indicators SET quality = quality || $2::jsonb WHERE code = $1",
            PAPERLESS,
            json.dumps({"jump": "flag", "max_change": 25}),
        )
    finally:
        await owner.close()
    aggregator_process.start()
    aggregator_process.wait_ready()
    office = await _api_key(catalog_database, "vp-ubnd")
    department = await _api_key(catalog_database, "so-tttt")
    async with httpx.AsyncClient(base_url=ingest_process.url, timeout=30) as client:
        await _send(client, _event("province", MAY, 30.0), office)
        first_june = await _send(client, _event("province", JUNE, 37.5), office)
        correction = await _send(client, _event("province", JUNE, 38.1), office)
        # 31.9 points above June's figure: stored, flagged by the catalog's jump check.
        await _send(client, _event("province", JULY, 70.0), office)
        own = await _send(client, _event("so-tttt", JUNE, 40.0), department)
        # The office, also granted the department's series, revises its figure.
        await _send(client, _event("so-tttt", JUNE, 41.0), office)
        await wait_for(
            lambda: _has(catalog_database, "ioc.observations", 6), what="six stored revisions"
        )
        # Straight to Kafka, past the gateway's checks: June's id again with another
        # value, and a value out of the indicator's range.
        out_of_range = _event("province", JULY, 150.0)
        await _straight_to_kafka(
            producer,
            pipeline_topics.events,
            {**_event("province", JUNE, 99.0), "event_id": first_june},
        )
        await _straight_to_kafka(producer, pipeline_topics.events, out_of_range)
        await wait_for(lambda: _has(catalog_database, "ioc.refused_events", 2), what="two refusals")

        series = await client.get(f"/v1/series/{PAPERLESS}/province", headers=office)
        assert series.status_code == 200, series.text
        figures = series.json()["figures"]
        assert [(f["observed_at"], f["value"]) for f in figures] == [
            (JULY, 70.0),
            (JUNE, 38.1),
            (MAY, 30.0),
        ]
        [flag] = figures[0]["revisions"][0]["quality_flags"]
        assert flag["check"] == "jump"
        june = figures[1]["revisions"]
        assert [(r["revision"], r["value"], r["of_record"], r["event_id"]) for r in june] == [
            (1, 37.5, False, first_june),
            (2, 38.1, True, correction),
        ]
        assert all(r["agency"] == "vp-ubnd" for r in june)
        assert june[0]["received_at"].endswith("+07:00")
        assert series.json()["truncated"] is False

        newest = await client.get(
            f"/v1/series/{PAPERLESS}/province",
            params={"limit": 1, "to": "2023-07-01T00:00:00+07:00"},
            headers=office,
        )
        assert [f["observed_at"] for f in newest.json()["figures"]] == [JUNE]
        assert newest.json()["truncated"] is True

        # The department sees its series revised by the office, without the office's id.
        shared = await client.get(f"/v1/series/{PAPERLESS}/so-tttt", headers=department)
        assert shared.status_code == 200, shared.text
        [figure] = shared.json()["figures"]
        assert (figure["value"], figure["agency"]) == (41.0, "vp-ubnd")
        assert [(r["agency"], r["event_id"], r["of_record"]) for r in figure["revisions"]] == [
            ("so-tttt", own, False),
            ("vp-ubnd", None, True),
        ]

        superseded = await client.get(f"/v1/events/{first_june}", headers=office)
        assert superseded.status_code == 200, superseded.text
        body = superseded.json()
        assert body["status"] == "stored"
        assert (body["stored"]["value"], body["stored"]["of_record"]) == (37.5, False)
        assert body["stored"]["record_value"] == 38.1
        assert "không phải số liệu chính thức" in body["message"]
        # The later copy with another value was refused; the stored one stands.
        [conflict] = body["refusals"]
        assert conflict["error_code"] == "event_id_conflict"
        assert conflict["meaning"] == "Mã sự kiện (event_id) đã được dùng cho nội dung khác"

        in_force = (await client.get(f"/v1/events/{correction}", headers=office)).json()
        assert in_force["stored"]["of_record"] is True
        assert "là số liệu chính thức" in in_force["message"]

        refused = await client.get(f"/v1/events/{out_of_range['event_id']}", headers=office)
        assert refused.status_code == 200, refused.text
        body = refused.json()
        assert (body["status"], body["stored"]) == ("refused", None)
        [reason] = body["refusals"]
        assert reason["error_code"] == "value_out_of_range"
        assert "150" in reason["reason"]
        assert body["message"].startswith("Bị từ chối lúc ")
        assert reason["refused_at"].endswith("+07:00")

        # Nothing of another agency's: its events, refusals and ungranted series are 404,
        # answered exactly as an id nobody sent.
        for path in (
            f"/v1/events/{first_june}",
            f"/v1/events/{out_of_range['event_id']}",
            f"/v1/events/{uuid.uuid4()}",
            f"/v1/series/{PAPERLESS}/province",
            f"/v1/series/{PAPERLESS}/so-xd",
        ):
            answer = await client.get(path, headers=department)
            assert answer.status_code == 404, (path, answer.text)
            assert answer.json()["detail"].startswith(("Cơ quan so-tttt", "Không có chuỗi"))
        unknown_key = await client.get(f"/v1/events/{own}", headers={"X-API-Key": "nope"})
        assert unknown_key.status_code == 401

    connection = await asyncpg.connect(catalog_database.dsns["reader"])
    try:
        reads = await connection.fetch(
            "SELECT action, status_code FROM ioc.audit_log"
            " WHERE agency = 'so-tttt' AND action LIKE '%.read' ORDER BY id"
        )
    finally:
        await connection.close()
    assert [(r["action"], r["status_code"]) for r in reads][-3:] == [
        ("events.read", 404),
        ("series.read", 404),
        ("series.read", 404),
    ]


async def _has(database: ScratchDatabase, table: str, rows: int) -> bool:
    return await _count(database, table) >= rows
