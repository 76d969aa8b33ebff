"""Every service's /metrics follows Prometheus' conventions: process and GC collectors on
its own registry, `ioc_<service>_build_info`, FastStream's Kafka middleware metrics where
FastStream is used, an HTTP latency histogram on ingest, and latency buckets that reach
past the timeouts. Built from each service's own `create_app` on a fresh registry."""

from __future__ import annotations

import httpx
import pytest
from prometheus_client import CollectorRegistry, generate_latest
from pydantic import SecretStr

from ioc_aggregator.config import AggregatorSettings
from ioc_aggregator.main import create_app as aggregator_app
from ioc_aggregator.metrics import LONGEST_WRITE_SECONDS
from ioc_derived.config import DerivedSettings
from ioc_derived.main import create_app as derived_app
from ioc_ingest.config import IngestSettings
from ioc_ingest.main import create_app as ingest_app
from ioc_ingest.metrics import LONGEST_TIMEOUT_SECONDS
from ioc_runtime.service_metrics import buckets_covering

DSN = SecretStr("postgresql://nobody:nothing@127.0.0.1:1/none")
CONVENTIONS = (
    "process_resident_memory_bytes",
    "process_cpu_seconds_total",
    "python_gc_objects_collected_total",
    "python_info",
)
FASTSTREAM = ("faststream_received_messages_total", "faststream_published_messages_total")


def _exposition(registry: CollectorRegistry) -> str:
    return generate_latest(registry).decode()


@pytest.mark.parametrize("service", ["aggregator", "derived", "ingest"])
def test_each_service_exposes_process_gc_build_and_kafka_metrics(service: str) -> None:
    registry = CollectorRegistry()
    if service == "aggregator":
        aggregator_app(AggregatorSettings(database_url=DSN), registry=registry)
    elif service == "derived":
        derived_app(DerivedSettings(database_url=DSN), registry=registry)
    else:
        ingest_app(IngestSettings(database_url=DSN), registry=registry)
    text = _exposition(registry)
    for name in CONVENTIONS:
        assert f"\n{name}" in text, (service, name)
    build = registry.get_sample_value(
        f"ioc_{service}_build_info", {"version": "0.1.0", "revision": "unknown"}
    )
    assert build == 1.0, service
    if service != "ingest":  # ingest's broker (and its middleware) is made on connecting
        for name in FASTSTREAM:
            assert f"# TYPE {name}" in text or f"# TYPE {name.removesuffix('_total')}" in text, (
                service,
                name,
            )


async def test_ingest_times_every_request_by_route_template_and_status() -> None:
    registry = CollectorRegistry()
    app = ingest_app(IngestSettings(database_url=DSN), registry=registry)
    # Without its lifespan the app has no services: a route that needs them fails (500).
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://ingest") as client:
        await client.get("/healthz")
        await client.get("/v1/series/dvc.paperless-rate/province")
        await client.get("/nowhere")
    labels = {
        (sample.labels["route"], sample.labels["status"])
        for family in registry.collect()
        if family.name == "ioc_ingest_http_request_duration_seconds"
        for sample in family.samples
        if sample.name.endswith("_count")
    }
    assert ("/v1/series/{indicator}/{scope}", "500") in labels
    assert ("/healthz", "200") in labels
    assert ("unmatched", "404") in labels


def test_latency_buckets_reach_past_the_timeouts() -> None:
    ingest = IngestSettings.model_fields["ingest_publish_timeout_seconds"].metadata
    longest_publish = max(m.le for m in ingest if hasattr(m, "le"))
    assert longest_publish <= LONGEST_TIMEOUT_SECONDS
    assert buckets_covering(LONGEST_TIMEOUT_SECONDS)[-1] >= longest_publish
    aggregator = AggregatorSettings.model_fields
    assert aggregator["aggregator_max_block_seconds"].default <= LONGEST_WRITE_SECONDS
    assert aggregator["aggregator_statement_timeout_ms"].default <= LONGEST_WRITE_SECONDS * 1000
    assert buckets_covering(10.0) == (
        0.005,
        0.01,
        0.025,
        0.05,
        0.1,
        0.25,
        0.5,
        1.0,
        2.5,
        5.0,
        10.0,
        30.0,
    )
    assert buckets_covering(200.0)[-2:] == (120.0, 400.0)
