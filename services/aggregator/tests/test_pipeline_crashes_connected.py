"""The real aggregator killed, or its database stopped, mid-stream: every acknowledged
event is stored exactly once all the same."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer

from ioc_testing import ScratchDatabase
from ioc_testing.infra_restart import postgres
from ioc_testing.pipeline import PipelineTopics, ServiceProcess, wait_for

from .feeding import event, fetch, publish, stored_count

pytestmark = pytest.mark.connected


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
