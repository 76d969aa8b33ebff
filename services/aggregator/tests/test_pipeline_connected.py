"""The real aggregator process between the real Kafka and the real TimescaleDB."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer

from ioc_contracts import SeriesUpdated
from ioc_contracts.dead_letter import parse_dead_letter_headers
from ioc_testing import ScratchDatabase
from ioc_testing.pipeline import PipelineTopics, ServiceProcess, wait_for

from .feeding import T0, drain, event, fetch, publish, stored_count

pytestmark = pytest.mark.connected


async def test_events_are_stored_once_and_series_updates_follow(
    aggregator_process: ServiceProcess,
    catalog_database: ScratchDatabase,
    pipeline_topics: PipelineTopics,
    producer: AIOKafkaProducer,
    kafka_bootstrap: str,
) -> None:
    aggregator_process.start()
    aggregator_process.wait_ready()
    resent = event(value=40.0, day=0)
    figures = [event(value=40.0 + day, day=day) for day in range(1, 20)]
    await publish(producer, pipeline_topics.events, [resent, *figures, resent, resent])

    async def all_stored() -> bool:
        return await stored_count(catalog_database) >= 20

    await wait_for(all_stored, what="20 observations")
    # The last two copies may come in a batch after the twentieth row; judge once they did.
    await aggregator_process.wait_for_sample("ioc_aggregator_duplicates_ignored_total 2.0")
    rows = await fetch(
        catalog_database.dsns["reader"],
        "SELECT event_id::text AS id, count(*) AS n FROM ioc.observations GROUP BY 1",
    )
    assert {row["id"] for row in rows} == {e["event_id"] for e in [resent, *figures]}
    assert {row["n"] for row in rows} == {1}
    latest = await fetch(catalog_database.dsns["reader"], "SELECT * FROM ioc.latest_values")
    assert [(r["indicator"], r["scope"], r["value"]) for r in latest] == [
        ("dvc.paperless-rate", "province", 59.0)
    ]
    # One update per batch that changed the series: how many depends on how the records
    # were batched, so read until they account for all twenty observations (or time out).
    updates: list[SeriesUpdated] = []
    while sum(u.new_observations for u in updates) < 20:
        records = await drain(kafka_bootstrap, pipeline_topics.updates, expected=len(updates) + 1)
        if len(records) <= len(updates):
            break
        updates = [SeriesUpdated.model_validate_json(record.value) for record in records]
    assert sum(u.new_observations for u in updates) == 20
    assert updates[-1].latest_value == 59.0


async def test_out_of_order_and_late_events_never_overwrite_newer_data(
    aggregator_process: ServiceProcess,
    catalog_database: ScratchDatabase,
    pipeline_topics: PipelineTopics,
    producer: AIOKafkaProducer,
) -> None:
    aggregator_process.start()
    aggregator_process.wait_ready()
    newest = event(value=80.0, day=30)
    await publish(producer, pipeline_topics.events, [newest])

    async def first_stored() -> bool:
        return await stored_count(catalog_database) == 1

    await wait_for(first_stored, what="the newest figure")
    # Older figures arrive afterwards, in reverse order, in separate batches.
    late = [event(value=50.0 + day, day=day) for day in (20, 10, 2)]
    for item in late:
        await publish(producer, pipeline_topics.events, [item])

    async def all_stored() -> bool:
        return await stored_count(catalog_database) == 4

    await wait_for(all_stored, what="the late figures")
    latest = await fetch(catalog_database.dsns["reader"], "SELECT value FROM ioc.latest_values")
    assert [row["value"] for row in latest] == [80.0]
    weeks = await fetch(
        catalog_database.dsns["reader"],
        "SELECT time_bucket('7 days', observed_at, $1::timestamptz) AS week, "
        "array_agg(value ORDER BY value) AS figures "
        "FROM ioc.observations GROUP BY 1 ORDER BY 1",
        T0,
    )
    assert [(row["week"] - T0).days for row in weeks] == [0, 7, 14, 28]
    assert [list(row["figures"]) for row in weeks] == [[52.0], [60.0], [70.0], [80.0]]


async def test_bad_records_are_dead_lettered_with_their_reason_and_the_rest_is_stored(
    aggregator_process: ServiceProcess,
    catalog_database: ScratchDatabase,
    pipeline_topics: PipelineTopics,
    producer: AIOKafkaProducer,
    kafka_bootstrap: str,
) -> None:
    aggregator_process.start()
    aggregator_process.wait_ready()
    good_before = event(value=41.0, day=1)
    good_after = event(value=42.0, day=2)
    bad: list[dict[str, Any] | bytes] = [
        b"{this is not json",
        event(value=41.0, colour="red"),
        # so-xd reporting the province-wide paperless rate, which only vp-ubnd may.
        event(value=41.0, agency="so-xd"),
        # so-tnmt reporting so-xd's data-set completion: another agency's series.
        event(
            value=41.0,
            agency="so-tnmt",
            indicator="cds.dataset-completion-rate",
            scope="so-xd",
        ),
        event(value=141.0),
        event(value=41.0, day=(datetime.now(UTC) - T0).days + 30),
    ]
    await publish(producer, pipeline_topics.events, [good_before, *bad, good_after])
    letters = await drain(kafka_bootstrap, pipeline_topics.dead_letters, expected=len(bad))
    assert len(letters) == len(bad)
    by_code = {}
    for letter in letters:
        parsed = parse_dead_letter_headers(letter.headers)
        assert parsed.source_topic == pipeline_topics.events
        by_code[parsed.error_code.value] = (parsed.reason, letter.value)
    assert by_code.keys() == {
        "invalid_json",
        "schema_violation",
        "not_granted",
        "value_out_of_range",
        "timestamp_in_future",
    }
    assert by_code["invalid_json"][1] == b"{this is not json"  # original bytes, untouched
    assert "colour" in by_code["schema_violation"][0]
    assert "141 is outside the valid range [0, 100]" in by_code["value_out_of_range"][0]
    not_granted = [
        parse_dead_letter_headers(letter.headers).reason
        for letter in letters
        if parse_dead_letter_headers(letter.headers).error_code.value == "not_granted"
    ]
    assert any("'so-tnmt'" in r and "not for scope 'so-xd'" in r for r in not_granted)
    assert any("'so-xd' may not publish" in r or "'so-xd'" in r for r in not_granted)

    async def good_stored() -> bool:
        return await stored_count(catalog_database) == 2

    await wait_for(good_stored, what="both good events")
    ids = await fetch(
        catalog_database.dsns["reader"], "SELECT event_id::text AS id FROM ioc.observations"
    )
    assert {r["id"] for r in ids} == {good_before["event_id"], good_after["event_id"]}
