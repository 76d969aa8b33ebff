"""The time floor and data-quality checks, through the real aggregator between the real
Kafka and TimescaleDB: each check refuses or flags as the catalog says."""

from __future__ import annotations

import json

import pytest
from aiokafka import AIOKafkaProducer

from ioc_testing import ScratchDatabase
from ioc_testing.pipeline import PipelineTopics, ServiceProcess, wait_for

from .feeding import RATE, dead_letters_by_code, event, fetch, publish, stored_at_least

pytestmark = pytest.mark.connected


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
    letters = await dead_letters_by_code(kafka_bootstrap, pipeline_topics.dead_letters, 4)
    assert set(letters) == {"timestamp_too_old", "quality_check_failed", "value_out_of_range"}
    assert "01/01/2010" in letters["timestamp_too_old"][0]
    reasons = " ".join(letters["quality_check_failed"])
    assert "tử số 800 lớn hơn mẫu số 700" in reasons
    assert "+53.445" in reasons
    assert "36555" in letters["value_out_of_range"][0]
    await wait_for(lambda: stored_at_least(catalog_database, 4), what="the stored figures")
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
    letters = await dead_letters_by_code(kafka_bootstrap, pipeline_topics.dead_letters, 2)
    assert set(letters) == {"quality_check_failed"}
    reasons = " ".join(letters["quality_check_failed"])
    assert "38 differs from numerator ÷ denominator = 36.56" in reasons
    assert "số cộng dồn giảm từ 139525 xuống 139000" in reasons
    await wait_for(lambda: stored_at_least(catalog_database, 5), what="the stored figures")
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
