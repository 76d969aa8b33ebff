"""The Kafka broker stops and starts again while agencies are publishing."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

import pytest

from ioc_testing.infra_restart import kafka, stop_broker
from ioc_testing.ledger import HttpPost
from ioc_testing.pipeline import ServiceProcess

if TYPE_CHECKING:
    from .conftest import Conclude
    from .streaming import StreamStarter

pytestmark = pytest.mark.connected

EVENTS = 6000  # at most: the load stops once the broker is back
OUTAGE_SECONDS = 3.0


async def test_broker_stop_and_restart_mid_stream(
    aggregator_process: ServiceProcess,
    start_stream: StreamStarter,
    http_post: HttpPost,
    conclude: Conclude,
) -> None:
    stream = await start_stream(EVENTS, pause=0.1, post=http_post, http_every=4)
    await stream.stored_at_least(600)
    stopped_at = time.monotonic()
    try:
        await asyncio.to_thread(stop_broker)
        await asyncio.sleep(OUTAGE_SECONDS)  # the outage itself: a stretch of time
    finally:
        # Other tests share this broker: it runs again whatever happened above.
        await asyncio.to_thread(kafka, "start")
    fault_ended = time.monotonic()
    downtime = fault_ended - stopped_at
    await stream.finish(within=120)
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
