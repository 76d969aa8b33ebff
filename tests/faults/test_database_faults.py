"""PostgreSQL stops (immediate mode, like a crash) and comes back; the writer's
statements time out behind a lock and then succeed."""

from __future__ import annotations

import asyncio
import subprocess
import time
from pathlib import Path
from typing import TYPE_CHECKING

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer

from ioc_testing import ScratchDatabase
from ioc_testing.ledger import HttpPost, LoadGenerator, stored_count
from ioc_testing.pipeline import PipelineTopics, ServiceProcess, wait_for

if TYPE_CHECKING:
    from .conftest import Conclude, ReadMetric

pytestmark = pytest.mark.connected

POSTGRES_SCRIPT = Path(__file__).resolve().parents[2] / "deploy" / "local" / "timescaledb.sh"
OUTAGE_SECONDS = 5.0
LOCK_SECONDS = 4.0
STATEMENT_TIMEOUT_MS = 300


def postgres(*arguments: str) -> None:
    subprocess.run([str(POSTGRES_SCRIPT), *arguments], check=True, capture_output=True, timeout=120)


async def _progress(database: ScratchDatabase, rows: int) -> None:
    async def stored() -> bool:
        return await stored_count(database.dsns["reader"]) >= rows

    await wait_for(stored, what=f"{rows} rows before the fault")


async def test_postgres_immediate_stop_and_restart_mid_stream(
    aggregator_process: ServiceProcess,
    catalog_database: ScratchDatabase,
    pipeline_topics: PipelineTopics,
    producer: AIOKafkaProducer,
    load: LoadGenerator,
    http_post: HttpPost,
    conclude: Conclude,
    read_metric: ReadMetric,
) -> None:
    aggregator_process.start()
    await asyncio.to_thread(aggregator_process.wait_ready)
    back = asyncio.Event()
    streaming = asyncio.create_task(
        load.stream(
            producer,
            pipeline_topics.events,
            8000,
            pause=0.1,
            post=http_post,
            http_every=4,
            until=back,
        )
    )
    await _progress(catalog_database, 500)
    try:
        await asyncio.to_thread(postgres, "stop", "immediate")
        await asyncio.sleep(OUTAGE_SECONDS)  # the outage itself: a stretch of time
    finally:
        await asyncio.to_thread(postgres, "start")
    fault_ended = time.monotonic()
    back.set()
    async with asyncio.timeout(60):
        await streaming
    await conclude(
        aggregator_process,
        fault_ended=fault_ended,
        fault="PostgreSQL immediate stop/start",
        description=f"`pg_ctl stop -m immediate` (no checkpoint, clients cut off) "
        f"mid-stream, started again after {OUTAGE_SECONDS:g} s; the load goes on over "
        "Kafka and HTTP meanwhile",
        note=lambda: (
            "aggregator database retries: "
            f"{read_metric(aggregator_process, 'ioc_aggregator_database_retries_total'):.0f}"
        ),
    )
    assert read_metric(aggregator_process, "ioc_aggregator_database_retries_total") > 0


async def test_statement_timeout_behind_a_lock_then_success(
    aggregator_process: ServiceProcess,
    catalog_database: ScratchDatabase,
    pipeline_topics: PipelineTopics,
    producer: AIOKafkaProducer,
    load: LoadGenerator,
    conclude: Conclude,
    read_metric: ReadMetric,
) -> None:
    aggregator_process.env["IOC_AGGREGATOR_STATEMENT_TIMEOUT_MS"] = str(STATEMENT_TIMEOUT_MS)
    aggregator_process.start()
    await asyncio.to_thread(aggregator_process.wait_ready)
    released = asyncio.Event()
    streaming = asyncio.create_task(
        load.stream(producer, pipeline_topics.events, 6000, pause=0.1, until=released)
    )
    await _progress(catalog_database, 500)
    owner = await asyncpg.connect(catalog_database.dsns["migrator"])
    try:
        async with owner.transaction():
            await owner.execute("LOCK TABLE ioc.observations IN ACCESS EXCLUSIVE MODE")
            # Held for a stretch of time: every insert meanwhile waits, then times out.
            await asyncio.sleep(LOCK_SECONDS)
    finally:
        await owner.close()
    fault_ended = time.monotonic()
    released.set()
    async with asyncio.timeout(60):
        await streaming
    retries = read_metric(aggregator_process, "ioc_aggregator_database_retries_total")
    await conclude(
        aggregator_process,
        fault_ended=fault_ended,
        fault="statement timeout",
        description=f"ioc.observations locked ACCESS EXCLUSIVE for {LOCK_SECONDS:g} s by "
        f"its owner; the aggregator's statement_timeout is {STATEMENT_TIMEOUT_MS} ms, so "
        "its inserts are cancelled (QueryCanceledError, retried with backoff) until the "
        "lock is released",
        note=f"{retries:.0f} inserts cancelled by statement_timeout and retried",
    )
    assert retries > 0, "no insert timed out: the lock did not bite"
