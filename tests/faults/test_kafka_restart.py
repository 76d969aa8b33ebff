"""The Kafka broker stops and starts again while agencies are publishing."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from aiokafka import AIOKafkaProducer

from ioc_testing import ScratchDatabase
from ioc_testing.ledger import HttpPost, LoadGenerator, stored_count
from ioc_testing.pipeline import PipelineTopics, ServiceProcess, wait_for

if TYPE_CHECKING:
    from .conftest import Conclude

pytestmark = pytest.mark.connected

ROOT = Path(__file__).resolve().parents[2]
KAFKA_SCRIPT = ROOT / "deploy" / "local" / "kafka.sh"
KAFKA_CONFIG = Path(os.environ.get("IOC_HOME", ROOT / ".local")) / "kafka" / "server.properties"
EVENTS = 6000  # at most: the load stops once the broker is back
OUTAGE_SECONDS = 3.0


def kafka(action: str) -> None:
    subprocess.run([str(KAFKA_SCRIPT), action], check=True, capture_output=True, timeout=180)


def broker_pids() -> list[int]:
    """The java processes running this checkout's broker (found by their command line)."""
    wanted = [b"kafka.Kafka", str(KAFKA_CONFIG).encode()]
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            arguments = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if all(part in arguments for part in wanted):
            found.append(int(entry.name))
    return found


def stop_broker() -> None:
    """`kafka.sh stop`, which must leave no broker of this checkout running."""
    kafka("stop")
    left = broker_pids()
    for pid in left:  # tidy up for the tests after this one, then fail
        os.kill(pid, signal.SIGKILL)
    assert not left, f"kafka.sh stop left the broker running (pids {left})"


async def test_broker_stop_and_restart_mid_stream(
    aggregator_process: ServiceProcess,
    catalog_database: ScratchDatabase,
    pipeline_topics: PipelineTopics,
    producer: AIOKafkaProducer,
    load: LoadGenerator,
    http_post: HttpPost,
    conclude: Conclude,
) -> None:
    aggregator_process.start()
    await asyncio.to_thread(aggregator_process.wait_ready)
    broker_back = asyncio.Event()
    streaming = asyncio.create_task(
        load.stream(
            producer,
            pipeline_topics.events,
            EVENTS,
            pause=0.1,
            post=http_post,
            http_every=4,
            until=broker_back,
        )
    )

    async def some_progress() -> bool:
        return await stored_count(catalog_database.dsns["reader"]) >= 600

    await wait_for(some_progress, what="progress before the broker stops")
    stopped_at = time.monotonic()
    try:
        await asyncio.to_thread(stop_broker)
        await asyncio.sleep(OUTAGE_SECONDS)  # the outage itself: a stretch of time
    finally:
        # Other tests share this broker: it runs again whatever happened above.
        await asyncio.to_thread(kafka, "start")
    fault_ended = time.monotonic()
    broker_back.set()
    downtime = fault_ended - stopped_at
    async with asyncio.timeout(120):
        await streaming
        await producer.flush()
    await conclude(
        aggregator_process,
        fault_ended=fault_ended,
        fault="Kafka broker stop/start",
        description="the single Kafka broker is stopped (SIGTERM) mid-stream and started "
        f"again after {OUTAGE_SECONDS:g} s; producers (acks=all, idempotent) and ingest see "
        "timeouts, so some sends end indeterminate",
        note=f"broker unavailable for {downtime:.1f} s (stop + pause + start until ready); "
        "a quarter of the load through HTTP",
    )
