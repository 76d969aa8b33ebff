"""Identity, revisions, the time floor and data-quality checks, through the real
aggregator between the real Kafka and TimescaleDB."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from ioc_contracts import SeriesUpdated
from ioc_contracts.dead_letter import parse_dead_letter_headers
from ioc_testing import ScratchDatabase
from ioc_testing.pipeline import PipelineTopics, ServiceProcess, wait_for

from .test_pipeline_connected import T0, drain, event, fetch, publish

pytestmark = pytest.mark.connected

RATE = "dvc.paperless-rate"  # vp-ubnd may publish it for the province
DATASET = "cds.dataset-completion-rate"  # so-tnmt may publish it for itself


def reported(hours: float) -> str:
    return (T0 + timedelta(days=40, hours=hours)).isoformat()


async def _ledger_count(database: ScratchDatabase) -> int:
    rows = await fetch(database.dsns["reader"], "SELECT count(*) AS n FROM ioc.observations")
    return int(rows[0]["n"])


async def _letters(bootstrap: str, topic: str, expected: int) -> dict[str, list[str]]:
    letters: dict[str, list[str]] = {}
    for record in await drain(bootstrap, topic, expected):
        letter = parse_dead_letter_headers(record.headers)
        letters.setdefault(letter.error_code.value, []).append(letter.reason)
    return letters


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
    await wait_for(lambda: _has(catalog_database, 2), what="both agencies' figures")
    await publish(producer, pipeline_topics.events, [changed, original, newest])
    await wait_for(lambda: _has(catalog_database, 3), what="the revision")
    await publish(producer, pipeline_topics.events, [late])
    await wait_for(lambda: _has(catalog_database, 4), what="the late revision")

    reader = catalog_database.dsns["reader"]
    stored = await fetch(
        reader,
        "SELECT agency, value FROM ioc.observations WHERE event_id = $1 ORDER BY agency",
        original["event_id"],
    )
    assert [(r["agency"], r["value"]) for r in stored] == [("so-tnmt", 55.0), ("vp-ubnd", 60.0)]
    letters = await _letters(kafka_bootstrap, pipeline_topics.dead_letters, 1)
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


async def _has(database: ScratchDatabase, rows: int) -> bool:
    return await _ledger_count(database) >= rows


async def test_time_floor_and_quality_checks_refuse_or_flag_as_the_catalog_says(
    aggregator_process: ServiceProcess,
    catalog_database: ScratchDatabase,
    pipeline_topics: PipelineTopics,
    producer: AIOKafkaProducer,
    kafka_bootstrap: str,
) -> None:
    # The catalog decides: here the jump check on the paperless rate refuses.
    migrator = catalog_database.dsns["migrator"]
    await fetch(
        migrator,
        'UPDATE ioc.indicators SET quality = quality || \'{"jump": "refuse", '
        '"max_change": 25}\'::jsonb WHERE code = $1 RETURNING code',
        RATE,
    )
    aggregator_process.start()
    aggregator_process.wait_ready()
    ancient = {**event(value=40.0), "observed_at": "1000-06-30T00:00:00+07:00"}
    above = event(value=80.0, day=1, numerator=800, denominator=700)
    # The seed report's "36,555%" read as thirty-six thousand.
    misread = event(value=36555.0, day=2)
    # 692 / 1,893 is 36.555 %: a value of 38 is off by more than the tolerance (flag).
    mismatched = event(value=38.0, day=3, numerator=692, denominator=1893)
    consistent = event(value=36.555, day=4, numerator=692, denominator=1893)
    leap = event(value=90.0, day=5)  # 36.555 → 90: a jump the catalog refuses
    accounts = [
        event(value=139_525, day=d, indicator="dvc.portal-accounts", agency="so-tttt")
        for d in (0, 1)
    ]
    accounts[1]["value"] = 139_000  # a running total going down: flagged
    await publish(
        producer,
        pipeline_topics.events,
        [ancient, above, misread, mismatched, consistent, leap, *accounts],
    )
    letters = await _letters(kafka_bootstrap, pipeline_topics.dead_letters, 4)
    assert set(letters) == {"timestamp_too_old", "quality_check_failed", "value_out_of_range"}
    assert "01/01/2010" in letters["timestamp_too_old"][0]
    reasons = " ".join(letters["quality_check_failed"])
    assert "tử số 800 lớn hơn mẫu số 700" in reasons
    assert "+53.445" in reasons
    assert "36555" in letters["value_out_of_range"][0]
    await wait_for(lambda: _has(catalog_database, 4), what="the stored figures")
    rows = await fetch(
        catalog_database.dsns["reader"],
        "SELECT indicator, value, quality_flags::text AS flags FROM ioc.figures"
        " ORDER BY indicator, observed_at",
    )
    flags = {(r["indicator"], r["value"]): json.loads(r["flags"]) for r in rows}
    assert flags[(RATE, 36.555)] == []
    assert [f["check"] for f in flags[(RATE, 38.0)]] == ["ratio_mismatch"]
    assert [f["check"] for f in flags[("dvc.portal-accounts", 139_000)]] == ["counter_decrease"]
    assert flags[("dvc.portal-accounts", 139_525)] == []
    await aggregator_process.wait_for_sample(
        'ioc_aggregator_quality_flags_total{agency="so-tttt",check="counter_decrease"} 1.0'
    )


async def test_each_check_does_the_other_thing_when_the_catalog_says_so(
    aggregator_process: ServiceProcess,
    catalog_database: ScratchDatabase,
    pipeline_topics: PipelineTopics,
    producer: AIOKafkaProducer,
    kafka_bootstrap: str,
) -> None:
    migrator = catalog_database.dsns["migrator"]
    await fetch(
        migrator,
        "UPDATE ioc.indicators SET quality = $2::jsonb WHERE code = $1 RETURNING code",
        RATE,
        json.dumps(
            {
                "out_of_range": "flag",
                "numerator_above_denominator": "flag",
                "ratio_mismatch": "refuse",
                "jump": "flag",
                "max_change": 25,
            }
        ),
    )
    await fetch(
        migrator,
        'UPDATE ioc.indicators SET quality = \'{"counter_decrease": "refuse"}\'::jsonb'
        " WHERE code = 'dvc.portal-accounts' RETURNING code",
    )
    aggregator_process.start()
    aggregator_process.wait_ready()
    above = event(value=100.0, day=1, numerator=701, denominator=700)  # flagged
    misread = event(value=36555.0, day=2)  # flagged, stored for review
    mismatched = event(value=38.0, day=3, numerator=692, denominator=1893)  # refused
    consistent = event(value=36.555, day=4, numerator=692, denominator=1893)
    leap = event(value=90.0, day=5)  # flagged: 36.555 → 90
    accounts = [
        event(value=139_525, day=d, indicator="dvc.portal-accounts", agency="so-tttt")
        for d in (0, 1)
    ]
    accounts[1]["value"] = 139_000  # refused
    await publish(
        producer,
        pipeline_topics.events,
        [above, misread, mismatched, consistent, leap, *accounts],
    )
    letters = await _letters(kafka_bootstrap, pipeline_topics.dead_letters, 2)
    assert set(letters) == {"quality_check_failed"}
    reasons = " ".join(letters["quality_check_failed"])
    assert "38 differs from numerator ÷ denominator = 36.56" in reasons
    assert "số cộng dồn giảm từ 139525 xuống 139000" in reasons
    await wait_for(lambda: _has(catalog_database, 5), what="the stored figures")
    rows = await fetch(
        catalog_database.dsns["reader"],
        "SELECT indicator, value, quality_flags::text AS flags FROM ioc.figures",
    )
    flags = {(r["indicator"], r["value"]): json.loads(r["flags"]) for r in rows}
    assert [f["check"] for f in flags[(RATE, 100.0)]] == ["numerator_above_denominator"]
    assert [f["check"] for f in flags[(RATE, 36555.0)]] == ["out_of_range"]
    assert [f["check"] for f in flags[(RATE, 90.0)]] == ["jump"]
    assert flags[(RATE, 36.555)] == []
    assert set(flags) == {
        (RATE, 100.0),
        (RATE, 36555.0),
        (RATE, 90.0),
        (RATE, 36.555),
        ("dvc.portal-accounts", 139_525),
    }
