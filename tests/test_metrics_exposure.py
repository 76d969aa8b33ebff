"""Metrics (per-agency labels) are kept off the public port: a port of their own, or a
token. The real processes."""

from __future__ import annotations

import signal
import socket
import time
from pathlib import Path

import httpx
import pytest

from ioc_testing import ScratchDatabase
from ioc_testing.pipeline import PipelineTopics, alerts_service, free_port, ingest_service

pytestmark = pytest.mark.connected

METRICS_TOKEN = "metrics-token-0123456789abcdef"


async def test_alerts_metrics_on_a_port_of_their_own(
    catalog_database: ScratchDatabase,
    pipeline_topics: PipelineTopics,
    kafka_bootstrap: str,
    unique_name: str,
    tmp_path: Path,
) -> None:
    metrics_port = free_port()
    alerts = alerts_service(
        catalog_database,
        pipeline_topics,
        kafka_bootstrap,
        f"{unique_name}.alerts",
        tmp_path / "alerts.log",
        IOC_METRICS_PORT=str(metrics_port),
        IOC_METRICS_HOST="127.0.0.1",
    )
    alerts.start()
    try:
        alerts.wait_ready()
        async with httpx.AsyncClient(timeout=30) as client:
            public = await client.get(f"{alerts.url}/metrics")
            own = await client.get(f"http://127.0.0.1:{metrics_port}/metrics")
        # A rolling restart's SIGTERM: the metrics port (a second server on the
        # service's loop) stops with the service, which exits cleanly and at once.
        started_stopping = time.monotonic()
        alerts.stop()
        stopping_took = time.monotonic() - started_stopping
    finally:
        alerts.kill()
    assert alerts.process is not None
    # uvicorn passes SIGTERM on once it has shut down: the process ends by it, after the
    # lifespan (and the metrics port with it) completed.
    assert alerts.process.returncode == -signal.SIGTERM, alerts.log_tail()
    assert "Application shutdown complete." in alerts.log_path.read_text(), alerts.log_tail()
    assert stopping_took < 10, stopping_took
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", metrics_port), timeout=1).close()
    assert public.status_code == 404
    assert own.status_code == 200
    assert "ioc_alerts_evaluations_total" in own.text
    # Prometheus' conventions: the process and GC metrics, and which build is running.
    for convention in ("process_cpu_seconds_total", "python_gc_collections_total"):
        assert convention in own.text
    assert "ioc_alerts_build_info{" in own.text


async def test_ingest_metrics_on_the_public_port_need_the_token(
    catalog_database: ScratchDatabase,
    pipeline_topics: PipelineTopics,
    kafka_bootstrap: str,
    tmp_path: Path,
) -> None:
    ingest = ingest_service(
        catalog_database,
        pipeline_topics,
        kafka_bootstrap,
        tmp_path / "ingest.log",
        IOC_METRICS_TOKEN=METRICS_TOKEN,
    )
    ingest.start()
    try:
        ingest.wait_ready()
        async with httpx.AsyncClient(base_url=ingest.url, timeout=30) as client:
            anonymous = await client.get("/metrics")
            wrong = await client.get("/metrics", headers={b"Authorization": "Bearer été".encode()})
            allowed = await client.get(
                "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}
            )
    finally:
        ingest.kill()
    assert (anonymous.status_code, wrong.status_code) == (401, 401)
    assert allowed.status_code == 200
    assert "ioc_ingest_requests_total" in allowed.text
    # Prometheus' conventions in the running process: process and GC collectors, the
    # build, the gateway's own Kafka timing (it publishes through a plain producer, not
    # FastStream's middleware), and the latency of the requests just made.
    for name in (
        "process_resident_memory_bytes",
        "python_gc_objects_collected_total",
        'ioc_ingest_build_info{revision="unknown",version="0.1.0"} 1.0',
        "ioc_ingest_kafka_publish_seconds_bucket",
        'ioc_ingest_http_request_duration_seconds_bucket{le="120.0",method="GET",route="/metrics",status="401"}',
    ):
        assert name in allowed.text, name
