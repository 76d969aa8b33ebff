"""kill -9 between a batch's database commit and Kafka's acknowledgement of its
SeriesUpdated: the messages were written in the same transaction as the rows, so the
restarted aggregator's relay announces them, and every stored series reaches the alert
service's topic."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from ioc_contracts import SeriesUpdated
from ioc_testing import ScratchDatabase
from ioc_testing.ledger import LoadGenerator
from ioc_testing.pipeline import PipelineTopics, ServiceProcess, wait_for

if TYPE_CHECKING:
    from .conftest import Conclude, ReadMetric

pytestmark = pytest.mark.connected

EVENTS = 400


async def _scalar(database: ScratchDatabase, query: str) -> int:
    connection = await asyncpg.connect(database.dsns["reader"])
    try:
        return int(await connection.fetchval(query))
    finally:
        await connection.close()


async def test_kill_9_after_the_commit_loses_no_series_update(
    aggregator_process: ServiceProcess,
    catalog_database: ScratchDatabase,
    pipeline_topics: PipelineTopics,
    producer: AIOKafkaProducer,
    kafka_bootstrap: str,
    load: LoadGenerator,
    conclude: Conclude,
    read_metric: ReadMetric,
) -> None:
    aggregator_process.env.update(
        IOC_AGGREGATOR_FAILPOINT="exit-after-commit",
        IOC_AGGREGATOR_RELAY_EVERY_SECONDS="0.5",
        IOC_AGGREGATOR_RELAY_AFTER_SECONDS="1",
    )
    aggregator_process.start()
    await asyncio.to_thread(aggregator_process.wait_ready)
    await load.to_kafka(producer, pipeline_topics.events, load.events(EVENTS))

    async def died() -> bool:
        process = aggregator_process.process
        return process is not None and process.poll() is not None

    await wait_for(died, what="the aggregator to end right after its first commit")
    stored_before = await _scalar(catalog_database, "SELECT count(*) FROM ioc.observations")
    unannounced = await _scalar(catalog_database, "SELECT count(*) FROM ioc.series_updates_outbox")
    assert stored_before > 0
    assert unannounced > 0, "the committed batch left no SeriesUpdated in the outbox"

    del aggregator_process.env["IOC_AGGREGATOR_FAILPOINT"]
    aggregator_process.start()
    await asyncio.to_thread(aggregator_process.wait_ready)
    await conclude(
        aggregator_process,
        fault="kill -9 between commit and SeriesUpdated",
        description=f"{EVENTS} figures; the aggregator ends the moment its first batch "
        "committed, before Kafka heard of its SeriesUpdated; then it is started again",
    )

    async def outbox_empty() -> bool:
        left = "SELECT count(*) FROM ioc.series_updates_outbox"
        return await _scalar(catalog_database, left) == 0

    await wait_for(outbox_empty, what="the relay to announce the leftovers")
    assert read_metric(aggregator_process, "ioc_aggregator_series_updates_relayed_total") > 0
    announced = await _announced_event_ids(kafka_bootstrap, pipeline_topics.updates)
    connection = await asyncpg.connect(catalog_database.dsns["reader"])
    try:
        stored = {
            str(row["id"])
            for row in await connection.fetch("SELECT event_id AS id FROM ioc.observations")
        }
    finally:
        await connection.close()
    # SeriesUpdated lists at most a few hundred ids each; this load stays under that.
    assert stored <= announced, f"{len(stored - announced)} stored events were never announced"


async def _announced_event_ids(bootstrap: str, topic: str) -> set[str]:
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False
    )
    await consumer.start()
    ids: set[str] = set()
    try:
        idle = 0
        while idle < 4:
            batch = await consumer.getmany(timeout_ms=500)
            idle = 0 if batch else idle + 1
            for records in batch.values():
                for record in records:
                    update = SeriesUpdated.model_validate_json(record.value)
                    ids.update(str(i) for i in update.event_ids)
    finally:
        await consumer.stop()
    return ids
