"""Derived indicators end to end, through the real Kafka, aggregator, derived-indicator
service and TimescaleDB: a district's figure revised revises the province total, with
its lineage; a published 766 total that disagrees with its five groups is flagged, and a
revised group revises the total."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer

from ioc_catalog import load_catalog
from ioc_catalog.derivation import FORMULA_MISMATCH, derived_indicators
from ioc_contracts import IndicatorEvent, series_key_bytes
from ioc_contracts.types import VIETNAM_TIME
from ioc_testing import ScratchDatabase
from ioc_testing.pipeline import PipelineTopics, ServiceProcess, wait_for

pytestmark = pytest.mark.connected

WEEK = datetime(2023, 3, 16, tzinfo=VIETNAM_TIME)
DAY = datetime(2023, 6, 30, 17, tzinfo=VIETNAM_TIME)
GROUPS = {
    "transparency": 15.5,
    "progress": 18.0,
    "digitisation": 20.25,
    "online-service": 19.0,
    "satisfaction": 16.0,
}


def _event(agency: str, indicator: str, scope: str, at: datetime, value: float) -> IndicatorEvent:
    return IndicatorEvent(
        event_id=uuid.uuid4(),
        agency=agency,
        indicator=indicator,
        scope=scope,
        observed_at=at,
        value=value,
        reported_at=datetime.now(UTC),
    )


async def _send(producer: AIOKafkaProducer, topic: str, events: list[IndicatorEvent]) -> None:
    for event in events:
        await producer.send_and_wait(
            topic,
            event.model_dump_json().encode(),
            key=series_key_bytes(event.indicator, event.scope),
        )


async def _fetch(database: ScratchDatabase, query: str, *args: Any) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(database.dsns["reader"])
    try:
        return list(await connection.fetch(query, *args))
    finally:
        await connection.close()


async def _figure(database: ScratchDatabase, indicator: str, at: datetime) -> asyncpg.Record | None:
    rows = await _fetch(
        database,
        "SELECT agency, event_id, value, quality_flags::text AS flags FROM ioc.figures"
        " WHERE indicator = $1 AND scope = 'province' AND observed_at = $2",
        indicator,
        at,
    )
    return rows[0] if rows else None


def _started(*services: ServiceProcess) -> None:
    for service in services:
        service.start()
    for service in services:
        service.wait_ready()


async def test_a_revised_district_figure_revises_the_province_total_with_lineage(
    aggregator_process: ServiceProcess,
    derived_process: ServiceProcess,
    pipeline_topics: PipelineTopics,
    catalog_database: ScratchDatabase,
    producer: AIOKafkaProducer,
) -> None:
    _started(aggregator_process, derived_process)
    approved = {d.code: d for d in derived_indicators(load_catalog())}["da06.eid-level2-approved"]
    districts = approved.children
    first = [
        _event("cong-an", approved.code, district, WEEK, 1_000.0 + index)
        for index, district in enumerate(districts)
    ]
    # All but one district: a total of parts must be whole, so none yet.
    await _send(producer, pipeline_topics.events, first[:-1])
    await derived_process.wait_for_sample(
        f'ioc_derived_figures_incomplete_total{{indicator="{approved.code}"}} 8.0'
    )
    assert await _figure(catalog_database, approved.code, WEEK) is None
    await _send(producer, pipeline_topics.events, first[-1:])

    async def total_is(value: float) -> bool:
        figure = await _figure(catalog_database, approved.code, WEEK)
        return figure is not None and figure["value"] == value

    expected = sum(event.value for event in first)
    await wait_for(lambda: total_is(expected), what="the province total")

    revised = _event("cong-an", approved.code, districts[0], WEEK, 1_500.0)
    await _send(producer, pipeline_topics.events, [revised])
    await wait_for(lambda: total_is(expected + 500.0), what="the revised province total")

    revisions = await _fetch(
        catalog_database,
        "SELECT agency, value, of_record, event_id FROM ioc.figure_revisions"
        " WHERE indicator = $1 AND scope = 'province' ORDER BY revision",
        approved.code,
    )
    assert [(r["agency"], r["value"], r["of_record"]) for r in revisions] == [
        ("province", expected, False),
        ("province", expected + 500.0, True),
    ]
    lineage = await _fetch(
        catalog_database,
        "SELECT event_id, input_scope, input_event_id, input_value FROM ioc.derived_lineage"
        " WHERE indicator = $1 ORDER BY event_id, input_scope",
        approved.code,
    )
    by_figure: dict[uuid.UUID, dict[str, tuple[uuid.UUID, float]]] = {}
    for row in lineage:
        by_figure.setdefault(row["event_id"], {})[row["input_scope"]] = (
            row["input_event_id"],
            row["input_value"],
        )
    newest = by_figure[revisions[-1]["event_id"]]
    assert newest[districts[0]] == (revised.event_id, 1_500.0)
    assert newest[districts[1]] == (first[1].event_id, 1_001.0)
    assert len(by_figure[revisions[0]["event_id"]]) == len(newest) == len(districts)


async def test_a_published_766_total_that_disagrees_with_its_groups_is_flagged(
    aggregator_process: ServiceProcess,
    derived_process: ServiceProcess,
    pipeline_topics: PipelineTopics,
    catalog_database: ScratchDatabase,
    producer: AIOKafkaProducer,
) -> None:
    _started(aggregator_process, derived_process)
    groups = [
        _event("vp-ubnd", f"service-index.{group}", "province", DAY, score)
        for group, score in GROUPS.items()
    ]
    await _send(producer, pipeline_topics.events, groups)

    async def total_by(agency: str) -> bool:
        figure = await _figure(catalog_database, "service-index.total", DAY)
        return figure is not None and figure["agency"] == agency

    await wait_for(lambda: total_by("province"), what="the computed 766 total")
    computed = await _figure(catalog_database, "service-index.total", DAY)
    assert computed is not None
    assert computed["value"] == pytest.approx(88.75)

    # Reported after the computation was stored, so the agency's figure is the newest.
    published = _event("vp-ubnd", "service-index.total", "province", DAY, 92.0)
    await _send(producer, pipeline_topics.events, [published])

    async def flagged() -> bool:
        figure = await _figure(catalog_database, "service-index.total", DAY)
        return figure is not None and FORMULA_MISMATCH in figure["flags"]

    await wait_for(flagged, what="the disagreeing total flagged")
    figure = await _figure(catalog_database, "service-index.total", DAY)
    assert figure is not None
    assert (figure["agency"], figure["event_id"], figure["value"]) == (
        "vp-ubnd",
        published.event_id,
        92.0,
    )
    assert "lệch 3.25 so với công thức (88.75" in figure["flags"]
    [disagreement] = await _fetch(
        catalog_database,
        "SELECT agency, published, derived FROM ioc.formula_disagreements",
    )
    assert tuple(disagreement) == ("vp-ubnd", 92.0, 88.75)
    await derived_process.wait_for_sample(
        'ioc_derived_formula_disagreements_total{agency="vp-ubnd",indicator="service-index.total"} 1.0'
    )

    # A group's score revised: the total is computed again from the revision, and the
    # province's computation is the newest revision of the total.
    progress = _event("vp-ubnd", "service-index.progress", "province", DAY, 19.0)
    await _send(producer, pipeline_topics.events, [progress])

    async def recomputed() -> bool:
        figure = await _figure(catalog_database, "service-index.total", DAY)
        return figure is not None and figure["value"] == pytest.approx(89.75)

    await wait_for(recomputed, what="the 766 total revised from the revised group")
    figure = await _figure(catalog_database, "service-index.total", DAY)
    assert figure is not None
    assert figure["agency"] == "province"
    inputs = await _fetch(
        catalog_database,
        "SELECT input_event_id FROM ioc.derived_lineage WHERE event_id = $1",
        figure["event_id"],
    )
    assert progress.event_id in {row["input_event_id"] for row in inputs}
    assert groups[1].event_id not in {row["input_event_id"] for row in inputs}
