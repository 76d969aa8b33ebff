"""kill -9 of the aggregator, again and again, while batches are being written."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import asyncpg
import pytest

from ioc_testing import ScratchDatabase
from ioc_testing.ledger import HttpPost
from ioc_testing.pipeline import ServiceProcess

if TYPE_CHECKING:
    from .conftest import Conclude, ReadMetric
    from .streaming import StreamStarter

pytestmark = pytest.mark.connected

KILLS = 3
KILL_EVERY = 900  # the k-th kill comes once k × 900 rows are stored
# At most: the load goes on until the last kill, so every restarted aggregator has new
# events to write. (A fixed stream could be stored in full, between two looks at the
# table, by an aggregator catching up after its rebalance, leaving the next one
# nothing to write and nothing to be killed after.)
EVENTS = 30_000


async def kill_right_after_a_write(
    aggregator: ServiceProcess, database: ScratchDatabase, *, at_least: int
) -> None:
    """SIGKILL as soon as a batch's rows are committed, once `at_least` rows are stored:
    the aggregator is then between its database commit and its offset commit."""
    connection = await asyncpg.connect(database.dsns["reader"])
    try:
        # A restarted aggregator waits out its predecessor's session (10 s) first.
        async with asyncio.timeout(120):
            last = await connection.fetchval("SELECT count(*) FROM ioc.observations")
            while True:
                stored = await connection.fetchval("SELECT count(*) FROM ioc.observations")
                if stored != last and stored >= at_least:
                    aggregator.kill()
                    return
                last = stored
                await asyncio.sleep(0.002)  # a poll interval, not a wait for readiness
    finally:
        await connection.close()


async def test_kill_9_repeatedly_mid_batch_loses_and_duplicates_nothing(
    aggregator_process: ServiceProcess,
    catalog_database: ScratchDatabase,
    start_stream: StreamStarter,
    http_post: HttpPost,
    conclude: Conclude,
    read_metric: ReadMetric,
) -> None:
    stream = await start_stream(EVENTS, pause=0.3, post=http_post, http_every=5)
    redelivered = 0.0
    for kill in range(KILLS):
        redelivered += read_metric(aggregator_process, "ioc_aggregator_duplicates_ignored_total")
        await kill_right_after_a_write(
            aggregator_process, catalog_database, at_least=KILL_EVERY * (kill + 1)
        )
        aggregator_process.start()
        await asyncio.to_thread(aggregator_process.wait_ready)
    await stream.finish()

    def note() -> str:
        again = redelivered + read_metric(
            aggregator_process, "ioc_aggregator_duplicates_ignored_total"
        )
        return (
            f"{KILLS} kills, each right after a batch's database commit; {again:.0f} events "
            "stored but not yet committed in Kafka were read again and ignored by the "
            "idempotency key; every 5th batch through HTTP"
        )

    await conclude(
        aggregator_process,
        fault=f"aggregator kill -9 ×{KILLS}",
        description="SIGKILL of the aggregator right after a batch's database transaction "
        f"committed (before its Kafka offset commit), {KILLS} times during one stream, each "
        "time restarted at once; a fifth of the load comes through ingest's HTTP API",
        note=note,
    )
