"""Identity and revisions, through the real aggregator between the real Kafka and
TimescaleDB."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from ioc_contracts import SeriesUpdated
from ioc_testing import ScratchDatabase
from ioc_testing.pipeline import PipelineTopics, ServiceProcess, wait_for

from .feeding import RATE, T0, dead_letters_by_code, event, fetch, publish, stored_at_least

pytestmark = pytest.mark.connected

DATASET = "cds.dataset-completion-rate"  # so-tnmt may publish it for itself


def reported(hours: float) -> str:
    return (T0 + timedelta(days=40, hours=hours)).isoformat()


async def test_ids_belong_to_agencies_and_the_newest_revision_is_of_record(
    aggregator_process: ServiceProcess,
    catalog_database: ScratchDatabase,
    pipeline_topics: PipelineTopics,
    producer: AIOKafkaProducer,
    kafka_bootstrap: str,
) -> None:
    aggregator_process.start()
    aggregator_process.wait_ready()
    original = event(value=60.0, day=30, reported_at=reported(0))
    # Another agency reuses the id at the same instant, for its own series.
    reused = event(
        value=55.0,
        day=30,
        agency="so-tnmt",
        indicator=DATASET,
        scope="so-tnmt",
        event_id=original["event_id"],
    )
    changed = {**original, "value": 61.0}  # same id, other content: refused
    newest = event(value=80.0, day=30, reported_at=reported(2))
    # An older revision delivered late (a replay from the DLQ, a slow producer).
    late = event(value=70.0, day=30, reported_at=reported(1))
    await publish(producer, pipeline_topics.events, [original, reused])
    await wait_for(lambda: stored_at_least(catalog_database, 2), what="both agencies' figures")
    await publish(producer, pipeline_topics.events, [changed, original, newest])
    await wait_for(lambda: stored_at_least(catalog_database, 3), what="the revision")
    await publish(producer, pipeline_topics.events, [late])
    await wait_for(lambda: stored_at_least(catalog_database, 4), what="the late revision")

    reader = catalog_database.dsns["reader"]
    stored = await fetch(
        reader,
        "SELECT agency, value FROM ioc.observations WHERE event_id = $1 ORDER BY agency",
        original["event_id"],
    )
    assert [(r["agency"], r["value"]) for r in stored] == [("so-tnmt", 55.0), ("vp-ubnd", 60.0)]
    letters = await dead_letters_by_code(kafka_bootstrap, pipeline_topics.dead_letters, 1)
    [conflict] = letters["event_id_conflict"]
    assert "value: 60 → 61" in conflict
    assert original["event_id"] in conflict

    figure = await fetch(
        reader, "SELECT value, event_id::text AS id FROM ioc.figures WHERE indicator = $1", RATE
    )
    assert [(r["value"], r["id"]) for r in figure] == [(80.0, newest["event_id"])]
    latest = await fetch(reader, "SELECT value FROM ioc.latest_values WHERE indicator = $1", RATE)
    assert [r["value"] for r in latest] == [80.0]
    rollup = await fetch(
        reader,
        "SELECT sum_value, samples, last_value FROM ioc.series_rollup($1, 'province', '1 day',"
        " $2, $3)",
        RATE,
        T0,
        T0 + timedelta(days=60),
    )
    assert [(r["sum_value"], r["samples"], r["last_value"]) for r in rollup] == [(80.0, 1, 80.0)]
    history = await fetch(
        reader,
        "SELECT revision, value, agency, of_record FROM ioc.figure_revisions"
        " WHERE indicator = $1 ORDER BY revision",
        RATE,
    )
    assert [(r["revision"], r["value"], r["of_record"]) for r in history] == [
        (1, 60.0, False),
        (2, 70.0, False),
        (3, 80.0, True),
    ]
    await aggregator_process.wait_for_sample("ioc_aggregator_duplicates_ignored_total 1.0")
    # Every SeriesUpdated after the newest revision, the late one's too, carries it.
    updates = await _updates_until_event(kafka_bootstrap, pipeline_topics.updates, late)
    carried = {str(i): u.latest_value for u in updates for i in u.event_ids}
    assert carried[newest["event_id"]] == 80.0
    assert carried[late["event_id"]] == 80.0


async def _updates_until_event(
    bootstrap: str, topic: str, awaited: dict[str, Any]
) -> list[SeriesUpdated]:
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False
    )
    await consumer.start()
    updates: list[SeriesUpdated] = []
    try:

        async def seen() -> bool:
            for records in (await consumer.getmany(timeout_ms=300)).values():
                updates.extend(SeriesUpdated.model_validate_json(r.value) for r in records)
            return any(awaited["event_id"] in map(str, u.event_ids) for u in updates)

        await wait_for(seen, what="the SeriesUpdated of the late revision")
    finally:
        await consumer.stop()
    return updates
