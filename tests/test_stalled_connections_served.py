"""Each public service, run by its own entry point, closes connections that make no
request (`IOC_HTTP_STALLED_AFTER_SECONDS`, `ioc_runtime.stalled_connections`): hundreds
of connections that never send a byte or never end their request's head are gone
within the setting, and the service still answers. A head past the bound
(`ioc_runtime.bounded_head`) is refused as it arrives, the process holding none of it.
The protocols themselves are `libs/runtime/tests/`'s to show."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import httpx
import pytest

from ioc_testing import ScratchDatabase
from ioc_testing.alert_service import AlertsLauncher
from ioc_testing.pipeline import PipelineTopics, ServiceProcess, ingest_service
from ioc_testing.service_process import closed_by_peer

pytestmark = pytest.mark.connected

STALLED_AFTER = "1"


async def _stall_and_check(service: ServiceProcess) -> None:
    connections = [await asyncio.open_connection("127.0.0.1", service.port) for _ in range(300)]
    for _, writer in connections[:100]:
        writer.write(b"GET /readyz HTTP/1.1\r\nHost: x\r\n")  # the head never ends
        await writer.drain()
    await asyncio.sleep(2.0)  # the setting, and a sweep after it

    still_open = [not await closed_by_peer(reader) for reader, _ in connections].count(True)
    for _, writer in connections:
        writer.close()
    async with httpx.AsyncClient(base_url=service.url, timeout=10) as client:
        ready = await client.get("/readyz")
    assert still_open == 0
    assert ready.status_code == 200
    log = service.log_path.read_text(encoding="utf-8", errors="replace")
    assert "closed connections that made no request" in log


async def test_the_gateway_closes_connections_that_make_no_request(
    catalog_database: ScratchDatabase,
    pipeline_topics: PipelineTopics,
    kafka_bootstrap: str,
    tmp_path: Path,
) -> None:
    gateway = ingest_service(
        catalog_database,
        pipeline_topics,
        kafka_bootstrap,
        tmp_path / "ingest.log",
        IOC_HTTP_STALLED_AFTER_SECONDS=STALLED_AFTER,
    )
    gateway.start()
    try:
        gateway.wait_ready()
        await _stall_and_check(gateway)
    finally:
        gateway.kill()


async def test_the_alert_service_closes_connections_that_make_no_request(
    launch_alerts: AlertsLauncher,
) -> None:
    alerts = launch_alerts.ready(
        IOC_ALERTS_EVALUATE_EVERY_SECONDS="3600", IOC_HTTP_STALLED_AFTER_SECONDS=STALLED_AFTER
    )
    await _stall_and_check(alerts)


async def test_the_gateway_refuses_a_head_past_the_bound_holding_none_of_it(
    catalog_database: ScratchDatabase,
    pipeline_topics: PipelineTopics,
    kafka_bootstrap: str,
    tmp_path: Path,
) -> None:
    gateway = ingest_service(catalog_database, pipeline_topics, kafka_bootstrap, tmp_path / "i.log")
    gateway.start()
    try:
        gateway.wait_ready()
        before = gateway.resident_mib()
        answers = []
        for _ in range(4):
            reader, writer = await asyncio.open_connection("127.0.0.1", gateway.port)
            writer.write(b"POST /v1/events HTTP/1.1\r\nHost: x\r\nX-API-Key: ")
            try:
                for _ in range(128):  # 32 MiB
                    writer.write(b"k" * (1 << 18))
                    await writer.drain()
            except (ConnectionResetError, BrokenPipeError):
                pass
            with contextlib.suppress(ConnectionResetError):
                answers.append(await asyncio.wait_for(reader.read(64), 5))
            writer.close()
        after = gateway.resident_mib()
        async with httpx.AsyncClient(base_url=gateway.url, timeout=10) as client:
            ready = await client.get("/readyz")
    finally:
        gateway.kill()
    assert after - before < 16, (before, after)
    assert all(a in (b"",) or a.startswith(b"HTTP/1.1 431") for a in answers), answers
    assert ready.status_code == 200
