"""PostgreSQL stops (immediate mode, like a crash) and comes back; the writer's
statements time out behind a lock and then succeed."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

import asyncpg
import pytest

from ioc_testing import ScratchDatabase
from ioc_testing.infra_restart import postgres
from ioc_testing.ledger import HttpPost
from ioc_testing.pipeline import PipelineTopics, ServiceProcess

if TYPE_CHECKING:
    from .conftest import Conclude, ReadMetric
    from .streaming import StreamStarter

pytestmark = pytest.mark.connected

OUTAGE_SECONDS = 5.0
LOCK_SECONDS = 4.0
STATEMENT_TIMEOUT_MS = 300


async def test_postgres_immediate_stop_and_restart_mid_stream(
    aggregator_process: ServiceProcess,
    catalog_database: ScratchDatabase,
    start_stream: StreamStarter,
    http_post: HttpPost,
    conclude: Conclude,
    read_metric: ReadMetric,
) -> None:
    stream = await start_stream(8000, pause=0.1, post=http_post, http_every=4)
    await stream.stored_at_least(500)
    try:
        await asyncio.to_thread(postgres, "stop", "immediate")
        await asyncio.sleep(OUTAGE_SECONDS)  # the outage itself: a stretch of time
    finally:
        await asyncio.to_thread(postgres, "start")
    fault_ended = time.monotonic()
    await stream.finish()
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
    start_stream: StreamStarter,
    conclude: Conclude,
    read_metric: ReadMetric,
) -> None:
    aggregator_process.env["IOC_AGGREGATOR_STATEMENT_TIMEOUT_MS"] = str(STATEMENT_TIMEOUT_MS)
    stream = await start_stream(6000, pause=0.1)
    await stream.stored_at_least(500)
    owner = await asyncpg.connect(catalog_database.dsns["migrator"])
    try:
        async with owner.transaction():
            await owner.execute("LOCK TABLE ioc.observations IN ACCESS EXCLUSIVE MODE")
            # Held for a stretch of time: every insert meanwhile waits, then times out.
            await asyncio.sleep(LOCK_SECONDS)
    finally:
        await owner.close()
    fault_ended = time.monotonic()
    await stream.finish()
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
