"""A real Prometheus scrapes the real services and finds their metrics.

The aggregator, ingest, alert and derived services and the lag exporter run as processes
on the test's own database and topics; Prometheus (Debian's package) runs with
`prometheus.local.yml` pointed at their ports, a one-second scrape interval and the
pipeline rules, until every target is up, the metrics the alerting rules read are there,
and every rule evaluates without error.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer

from ioc_messaging.clients import SAFE_PRODUCER_OPTIONS
from ioc_testing.pipeline import PipelineTopics, ServiceProcess, wait_for

from .conftest import Prometheus

pytestmark = pytest.mark.connected

WITHIN = 60.0

# Series each service exposes from the start, whatever it has done.
STARTUP_SERIES = {
    "ingest": [
        "ioc_ingest_kafka_publish_failures_total",
        "ioc_ingest_kafka_publish_seconds_count",
        "ioc_ingest_catalog_refresh_failures_total",
    ],
    "aggregator": [
        "ioc_aggregator_events_consumed_total",
        "ioc_aggregator_database_up",
        "ioc_aggregator_database_retries_total",
    ],
    "alerts": [
        "ioc_alerts_evaluations_total",
        "ioc_alerts_notifications_pending",
    ],
    "lag-exporter": [
        "ioc_lag_exporter_polls_total",
        "ioc_consumer_group_lag",
        "ioc_consumer_group_stalled_seconds",
    ],
}


async def query(api: httpx.AsyncClient, promql: str) -> list[dict[str, Any]]:
    answer = await api.get("/api/v1/query", params={"query": promql})
    answer.raise_for_status()
    result: list[dict[str, Any]] = answer.json()["data"]["result"]
    return result


async def test_prometheus_scrapes_every_service_and_evaluates_the_rules(
    prometheus: Prometheus,
    api: httpx.AsyncClient,
    started_services: dict[str, ServiceProcess],
    pipeline_topics: PipelineTopics,
    kafka_bootstrap: str,
) -> None:
    async def ready() -> bool:
        assert prometheus.process.poll() is None, f"prometheus exited:\n{prometheus.log_tail()}"
        try:
            return (await api.get("/-/ready")).status_code == 200
        except httpx.TransportError:
            return False

    await wait_for(ready, within=WITHIN, what="Prometheus to be ready")

    async def targets_up() -> bool:
        targets = (await api.get("/api/v1/targets")).json()["data"]["activeTargets"]
        health = {t["labels"]["job"]: t["health"] for t in targets}
        return health == dict.fromkeys(started_services, "up")

    await wait_for(targets_up, within=WITHIN, what="every service's target to be up")
    up = await query(api, "up")
    assert {s["metric"]["job"]: s["value"][1] for s in up} == dict.fromkeys(started_services, "1")

    async def rules_evaluated() -> bool:
        groups = (await api.get("/api/v1/rules")).json()["data"]["groups"]
        rules = [rule for group in groups for rule in group["rules"]]
        assert rules, "Prometheus loaded no rules"
        broken = [(r["name"], r.get("lastError")) for r in rules if r["health"] == "err"]
        assert broken == [], broken
        return all(rule["health"] == "ok" for rule in rules)

    # Idle: a few scrapes of every service and rule evaluations over them, and no alert,
    # not even pending. (An aggregator that has not written yet reports its database as
    # down, which the database rule must see through.)
    async def scraped_a_few_times() -> bool:
        counts = await query(api, "count_over_time(up[1m]) >= 3")
        return len(counts) == len(started_services)

    await wait_for(scraped_a_few_times, within=WITHIN, what="three scrapes of every service")
    await wait_for(rules_evaluated, within=WITHIN, what="every rule to be evaluated")
    assert await query(api, "ALERTS") == []

    # What the rules read, made to appear: a refused request, and a record the aggregator
    # cannot parse (it dead-letters it and reports its lag after committing).
    async with httpx.AsyncClient(base_url=started_services["ingest"].url, timeout=10) as ingest:
        assert (await ingest.post("/v1/events", json=[])).status_code == 401
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, **SAFE_PRODUCER_OPTIONS)
    await producer.start()
    try:
        await producer.send_and_wait(pipeline_topics.events, b"not json", key=b"x|province")
    finally:
        await producer.stop()

    expected = [
        (job, f'{name}{{job="{job}"}}') for job, names in STARTUP_SERIES.items() for name in names
    ]
    expected += [
        ("ingest", 'ioc_ingest_requests_total{job="ingest", status="401"}'),
        ("aggregator", 'ioc_aggregator_dead_letters_total{error_code="invalid_json"}'),
        ("aggregator", f'ioc_aggregator_consumer_lag{{topic="{pipeline_topics.events}"}}'),
        ("lag-exporter", f'ioc_consumer_group_lag{{topic="{pipeline_topics.events}"}}'),
    ]
    for job, promql in expected:

        async def scraped(promql: str = promql, job: str = job) -> bool:
            return any(s["metric"]["job"] == job for s in await query(api, promql))

        await wait_for(scraped, within=WITHIN, what=f"{promql} from {job} in Prometheus")

    # The rules still evaluate cleanly over the new series.
    await wait_for(rules_evaluated, within=WITHIN, what="every rule to be evaluated")
