"""The metrics port (`IOC_METRICS_PORT`, `ioc_runtime.metrics_endpoint.metrics_port`) is
served on the service's own event loop and parser: hundreds of idle connections neither
stop the scrape nor stay open past the setting, and a head past the bound is refused.
It was prometheus_client's threaded server, a thread per connection waiting for ever: a
few hundred idle connections left the scrape (and the process's event loop) unanswered."""

from __future__ import annotations

import asyncio

import httpx
from prometheus_client import CollectorRegistry, Counter

from ioc_runtime.metrics_endpoint import metrics_port
from ioc_testing.service_process import closed_by_peer, free_port


async def test_idle_connections_neither_stop_the_scrape_nor_stay_open() -> None:
    registry = CollectorRegistry()
    Counter("ioc_probe_total", "A counter to find in the scrape.", registry=registry).inc()
    port = free_port()
    async with metrics_port(registry, host="127.0.0.1", port=port, stalled_after=1.0):
        idle = [await asyncio.open_connection("127.0.0.1", port) for _ in range(500)]
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
            scrape = await client.get("/metrics")
            await asyncio.sleep(2.0)  # the setting, and a sweep after it
            closed = [await closed_by_peer(reader) for reader, _ in idle].count(True)
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (1 << 20))
            await writer.drain()
            answer = await asyncio.wait_for(reader.read(64), 5)
            again = await client.get("/metrics")
        for _, idle_writer in idle:
            idle_writer.close()
        writer.close()
    assert scrape.status_code == 200
    assert "ioc_probe_total 1.0" in scrape.text
    assert closed == len(idle)
    assert answer.startswith(b"HTTP/1.1 431")
    assert again.status_code == 200


async def test_the_port_is_closed_when_the_block_ends() -> None:
    port = free_port()
    async with metrics_port(CollectorRegistry(), host="127.0.0.1", port=port, stalled_after=5):
        pass
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return
    writer.close()
    raise AssertionError("the metrics port still listens")
