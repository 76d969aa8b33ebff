"""Bình Dương's map changing under the pipeline: Thành phố Tân Uyên and huyện Bắc Tân Uyên
merged on 3/7/2023 (the test catalog of ioc_testing.reorganised). Through the real
gateway, Kafka, aggregator, derived-indicator and alert services and TimescaleDB: the
province's roll-up sums the districts of each week's map, the successor's series before
the merge is the sum of its predecessors, the retired district's target is reported as
retired with its successor, and late figures for it are refused naming the successor,
over HTTP (422) and over Kafka (the DLQ's `scope_retired`)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from ioc_catalog.derivation import derived_indicators
from ioc_contracts import IndicatorEvent, series_key_bytes
from ioc_contracts.dead_letter import ERROR_CODE_HEADER, REASON_HEADER
from ioc_contracts.types import VIETNAM_TIME
from ioc_storage.catalog_sync import sync_catalog
from ioc_storage.migrate import apply_migrations, shipped_migrations
from ioc_testing import ScratchDatabase
from ioc_testing.database import issue_api_key, read_rows
from ioc_testing.pipeline import PipelineTopics, ServiceProcess, wait_for
from ioc_testing.reorganised import (
    APPROVED,
    MERGED,
    RETIRED_TARGET,
    SUCCESSOR,
    reorganised_catalog,
)

pytestmark = pytest.mark.connected

# Fridays of the weeks either side of the merge (Monday 3/7/2023).
BEFORE = datetime(2023, 6, 30, 17, tzinfo=VIETNAM_TIME)
AFTER = datetime(2023, 7, 7, 17, tzinfo=VIETNAM_TIME)
LATE = "2023-07-05T17:00:00+07:00"


@pytest.fixture
async def catalog_database(scratch_database: ScratchDatabase) -> ScratchDatabase:
    """The test's own database with the reorganised catalog (overrides the shipped one)."""
    connection = await asyncpg.connect(scratch_database.dsns["migrator"])
    try:
        await apply_migrations(connection, shipped_migrations())
        await sync_catalog(connection, reorganised_catalog())
    finally:
        await connection.close()
    return scratch_database


def _event(scope: str, at: datetime, value: float) -> IndicatorEvent:
    return IndicatorEvent(
        event_id=uuid.uuid4(),
        agency="cong-an",
        indicator=APPROVED,
        scope=scope,
        observed_at=at,
        value=value,
        reported_at=datetime.now(UTC),
    )


async def _send(producer: AIOKafkaProducer, topic: str, events: list[IndicatorEvent]) -> None:
    for event in events:
        await producer.send_and_wait(
            topic, event.model_dump_json().encode(), key=series_key_bytes(APPROVED, event.scope)
        )


async def _value(database: ScratchDatabase, scope: str, at: datetime) -> float | None:
    rows = await read_rows(
        database,
        "SELECT value FROM ioc.figures WHERE indicator = $1 AND scope = $2 AND observed_at = $3",
        APPROVED,
        scope,
        at,
    )
    return rows[0]["value"] if rows else None


async def _first_dead_letter(kafka_bootstrap: str, topic: str) -> dict[str, bytes]:
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=kafka_bootstrap, auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        batches = await consumer.getmany(timeout_ms=30_000, max_records=1)
        [record] = [record for records in batches.values() for record in records]
        return dict(record.headers)
    finally:
        await consumer.stop()


async def test_roll_ups_follow_the_map_of_each_week_and_late_figures_are_dead_lettered(
    aggregator_process: ServiceProcess,
    derived_process: ServiceProcess,
    pipeline_topics: PipelineTopics,
    catalog_database: ScratchDatabase,
    producer: AIOKafkaProducer,
    kafka_bootstrap: str,
) -> None:
    for service in (aggregator_process, derived_process):
        service.start()
    for service in (aggregator_process, derived_process):
        service.wait_ready()
    approved = {d.code: d for d in derived_indicators(reorganised_catalog())}[APPROVED]
    old_map = [d for d in approved.children if d != SUCCESSOR]
    new_map = [d for d in approved.children if d not in MERGED]
    before = [_event(d, BEFORE, 1_000.0 + i) for i, d in enumerate(old_map)]
    after = [_event(d, AFTER, 2_000.0 + i) for i, d in enumerate(new_map)]
    await _send(producer, pipeline_topics.events, before + after)

    async def totals_stored() -> bool:
        return (
            await _value(catalog_database, "province", BEFORE) is not None
            and await _value(catalog_database, "province", AFTER) is not None
        )

    await wait_for(totals_stored, what="the province totals of both weeks")
    assert len(old_map) == 9
    assert len(new_map) == 8
    assert await _value(catalog_database, "province", BEFORE) == sum(e.value for e in before)
    assert await _value(catalog_database, "province", AFTER) == sum(e.value for e in after)
    lineage = await read_rows(
        catalog_database,
        "SELECT DISTINCT input_scope FROM ioc.derived_lineage WHERE observed_at = $1",
        AFTER,
    )
    assert {row["input_scope"] for row in lineage} == set(new_map)

    # The successor's series read across the merge: its predecessors' sum, then its own.
    across = await read_rows(
        catalog_database,
        "SELECT observed_at, value, carried_from FROM ioc.series_across_changes"
        " WHERE indicator = $1 AND scope = $2 ORDER BY observed_at",
        APPROVED,
        SUCCESSOR,
    )
    merged_values = {e.scope: e.value for e in before if e.scope in MERGED}
    assert [(r["observed_at"], r["value"], r["carried_from"]) for r in across] == [
        (BEFORE, sum(merged_values.values()), sorted(MERGED)),
        (AFTER, next(e.value for e in after if e.scope == SUCCESSOR), None),
    ]

    # A late figure of the retired district, straight to Kafka: dead-lettered.
    late = _event("h-bac-tan-uyen", datetime.fromisoformat(LATE), 1_234.0)
    await _send(producer, pipeline_topics.events, [late])
    await aggregator_process.wait_for_sample(
        'ioc_aggregator_dead_letters_total{error_code="scope_retired"} 1.0'
    )
    headers = await _first_dead_letter(kafka_bootstrap, pipeline_topics.dead_letters)
    assert headers[ERROR_CODE_HEADER] == b"scope_retired"
    reason = headers[REASON_HEADER].decode()
    assert (
        f"đơn vị kế thừa: Thành phố Tân Uyên (sau sáp nhập huyện Bắc Tân Uyên) ({SUCCESSOR})"
        in (reason)
    )
    assert f"successor: '{SUCCESSOR}'" in reason
    [refusal] = await read_rows(
        catalog_database,
        "SELECT error_code, reason FROM ioc.refused_events WHERE event_id = $1",
        late.event_id,
    )
    assert refusal["error_code"] == "scope_retired"
    assert await _value(catalog_database, "h-bac-tan-uyen", late.observed_at) is None


async def test_the_retired_district_s_target_is_reported_and_late_figures_refused_over_http(
    aggregator_process: ServiceProcess,
    ingest_process: ServiceProcess,
    alerts_process: ServiceProcess,  # judging on a 15/7/2023 clock: after the merge
    catalog_database: ScratchDatabase,
) -> None:
    aggregator_process.start()
    aggregator_process.wait_ready()
    # The provincial police publish each district's e-ID figures.
    police = {"X-API-Key": await issue_api_key(catalog_database, "cong-an", comment="map")}
    figure = {"indicator": APPROVED, "scope": "h-bac-tan-uyen", "value": 900.0}
    async with httpx.AsyncClient(base_url=ingest_process.url, timeout=30) as client:
        on_time = await client.post(
            "/v1/events",
            json={**figure, "event_id": str(uuid.uuid4()), "observed_at": BEFORE.isoformat()},
            headers=police,
        )
        assert on_time.status_code == 202, on_time.text
        late = await client.post(
            "/v1/events",
            json={**figure, "event_id": str(uuid.uuid4()), "observed_at": LATE},
            headers=police,
        )
    assert late.status_code == 422, late.text
    [problem] = late.json()["errors"]
    assert problem["field"] == "scope"
    assert problem["reason"].startswith(
        "Huyện Bắc Tân Uyên (h-bac-tan-uyen) đã ngừng tồn tại từ ngày 03/07/2023 (sáp nhập)"
    )
    assert f"({SUCCESSOR}) / scope 'h-bac-tan-uyen' was retired on 2023-07-03" in problem["reason"]

    await wait_for(
        lambda: _stored(catalog_database), what="the district's figure from before the merge"
    )
    alerts_process.start()
    alerts_process.wait_ready()

    async def judged() -> bool:
        rows = await read_rows(
            catalog_database, "SELECT 1 FROM ioc.target_status WHERE target = $1", RETIRED_TARGET
        )
        return bool(rows)

    await wait_for(judged, what="the retired district's target judged")
    [status] = await read_rows(
        catalog_database,
        "SELECT status, reason_vi, reason_en, current_value,"
        " (SELECT count(*) FROM ioc.alerts WHERE target = $1) AS alerts"
        " FROM ioc.target_status WHERE target = $1",
        RETIRED_TARGET,
    )
    assert status["status"] == "scope_retired"
    assert "đơn vị kế thừa: Thành phố Tân Uyên" in status["reason_vi"]
    assert status["reason_en"].startswith("Scope 'h-bac-tan-uyen' was retired on 2023-07-03")
    assert f"successor: '{SUCCESSOR}'" in status["reason_en"]
    assert status["current_value"] == 900.0  # the last figure stays on record
    assert status["alerts"] == 0  # silence nobody can end is not alerted on


async def _stored(database: ScratchDatabase) -> bool:
    return await _value(database, "h-bac-tan-uyen", BEFORE) is not None
