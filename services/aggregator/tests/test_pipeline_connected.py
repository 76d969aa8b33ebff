"""The real aggregator process between the real Kafka and the real TimescaleDB."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from ioc_contracts import SeriesUpdated
from ioc_contracts.dead_letter import parse_dead_letter_headers
from ioc_contracts.topics import series_key_bytes
from ioc_testing import ScratchDatabase
from ioc_testing.infra_restart import postgres
from ioc_testing.pipeline import PipelineTopics, ServiceProcess, wait_for

pytestmark = pytest.mark.connected

T0 = datetime(2023, 6, 1, tzinfo=UTC)


def event(
    *,
    value: float,
    day: float = 0,
    agency: str = "vp-ubnd",
    indicator: str = "dvc.paperless-rate",
    scope: str = "province",
    event_id: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "event_id": event_id or str(uuid.uuid4()),
        "agency": agency,
        "indicator": indicator,
        "scope": scope,
        "observed_at": (T0 + timedelta(days=day)).isoformat(),
        "value": value,
        **extra,
    }


async def publish(
    producer: AIOKafkaProducer, topic: str, events: Sequence[dict[str, Any] | bytes]
) -> None:
    sends = []
    for item in events:
        if isinstance(item, bytes):
            sends.append(await producer.send(topic, item, key=b"raw"))
        else:
            key = series_key_bytes(item["indicator"], item["scope"])
            sends.append(await producer.send(topic, json.dumps(item).encode(), key=key))
    await asyncio.gather(*sends)


async def fetch(dsn: str, query: str, *args: Any) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(dsn)
    try:
        return list(await connection.fetch(query, *args))
    finally:
        await connection.close()


async def stored_count(database: ScratchDatabase) -> int:
    rows = await fetch(database.dsns["reader"], "SELECT count(*) AS n FROM ioc.observations")
    return int(rows[0]["n"])


async def drain(bootstrap: str, topic: str, expected: int, within: float = 60.0) -> list[Any]:
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False
    )
    await consumer.start()
    records: list[Any] = []
    try:
        deadline = asyncio.get_running_loop().time() + within
        while len(records) < expected and asyncio.get_running_loop().time() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            for partition_records in batch.values():
                records.extend(partition_records)
    finally:
        await consumer.stop()
    return records


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


async def _stream(producer: AIOKafkaProducer, topic: str, total: int) -> dict[str, float]:
    """Publishes `total` events over many series; returns event_id -> value as acknowledged."""
    sent: dict[str, float] = {}
    scopes = ["province", "so-tnmt", "so-xd", "so-tttt", "so-yt"]
    chunk: list[dict[str, Any]] = []
    for n in range(total):
        scope = scopes[n % len(scopes)]
        agency = "vp-ubnd"
        item = event(
            value=float(n % 100),
            day=n / 100,
            agency=agency,
            indicator="dvc.ontime-rate",
            scope=scope,
        )
        chunk.append(item)
        if len(chunk) == 250:
            await publish(producer, topic, chunk)
            sent.update({c["event_id"]: c["value"] for c in chunk})
            chunk = []
    await publish(producer, topic, chunk)
    sent.update({c["event_id"]: c["value"] for c in chunk})
    return sent


async def _assert_exactly_once(database: ScratchDatabase, sent: dict[str, float]) -> None:
    rows = await fetch(
        database.dsns["reader"], "SELECT event_id::text AS id, value FROM ioc.observations"
    )
    stored_ids = [row["id"] for row in rows]
    assert len(stored_ids) == len(set(stored_ids)), "an event was stored twice"
    assert set(stored_ids) == set(sent), "stored events differ from acknowledged ones"
    assert sum(row["value"] for row in rows) == pytest.approx(sum(sent.values()))


async def test_kill_9_mid_stream_loses_and_duplicates_nothing(
    aggregator_process: ServiceProcess,
    catalog_database: ScratchDatabase,
    pipeline_topics: PipelineTopics,
    producer: AIOKafkaProducer,
) -> None:
    aggregator_process.start()
    aggregator_process.wait_ready()
    streaming = asyncio.create_task(_stream(producer, pipeline_topics.events, 6000))
    for kills in range(2):

        async def some_progress(threshold: int = 1000 * (kills + 1)) -> bool:
            return await stored_count(catalog_database) >= threshold

        await wait_for(some_progress, what="progress before the kill")
        aggregator_process.kill()
        aggregator_process.start()
        aggregator_process.wait_ready()
    sent = await streaming

    async def all_stored() -> bool:
        return await stored_count(catalog_database) >= len(sent)

    await wait_for(all_stored, within=120, what="every acknowledged event")
    await _assert_exactly_once(catalog_database, sent)


async def test_database_outage_mid_stream_loses_and_duplicates_nothing(
    aggregator_process: ServiceProcess,
    catalog_database: ScratchDatabase,
    pipeline_topics: PipelineTopics,
    producer: AIOKafkaProducer,
) -> None:
    aggregator_process.start()
    aggregator_process.wait_ready()
    streaming = asyncio.create_task(_stream(producer, pipeline_topics.events, 4000))

    async def some_progress() -> bool:
        return await stored_count(catalog_database) >= 500

    await wait_for(some_progress, what="progress before the outage")

    def retries() -> float:
        return float(
            next(
                line
                for line in aggregator_process.metrics().splitlines()
                if line.startswith("ioc_aggregator_database_retries_total ")
            ).split()[1]
        )

    async def retried() -> bool:
        return await asyncio.to_thread(retries) > 0

    await asyncio.to_thread(postgres, "stop", "immediate")
    try:
        # The stream may be stored in full before the server is down: more events while
        # it is, so a write is sure to meet the outage (and the aggregator to retry).
        during = await _stream(producer, pipeline_topics.events, 500)
        await asyncio.sleep(5)  # the outage itself: a stretch of time, not a wait for readiness
        await wait_for(retried, what="the aggregator retrying against the stopped database")
    finally:
        await asyncio.to_thread(postgres, "start")
    sent = {**await streaming, **during}

    async def all_stored() -> bool:
        return await stored_count(catalog_database) >= len(sent)

    await wait_for(all_stored, within=120, what="every acknowledged event after the outage")
    await _assert_exactly_once(catalog_database, sent)
    assert retries() > 0
