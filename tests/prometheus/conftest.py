"""Fixtures of the connected Prometheus test: the real services and the lag exporter on
the test's own database and topics, and Prometheus (Debian's package) scraping them with
`prometheus.local.yml`, a one-second rhythm and the pipeline rules."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import yaml

from ioc_testing import ScratchDatabase
from ioc_testing.lag import lag_exporter_service
from ioc_testing.pipeline import (
    JULY_2023,
    PipelineTopics,
    ServiceProcess,
    alerts_service,
    free_port,
    wait_for,
)

PROMETHEUS_DIR = Path(__file__).resolve().parents[2] / "deploy" / "prometheus"


@dataclass(frozen=True)
class Prometheus:
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log_tail(self, lines: int = 20) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def local_config_for(targets: dict[str, str]) -> dict[str, Any]:
    """prometheus.local.yml with the services' test ports and a one-second rhythm."""
    config: dict[str, Any] = yaml.safe_load(
        (PROMETHEUS_DIR / "prometheus.local.yml").read_text(encoding="utf-8")
    )
    config["global"].update(scrape_interval="1s", scrape_timeout="1s", evaluation_interval="1s")
    config["rule_files"] = [str(PROMETHEUS_DIR / glob) for glob in config["rule_files"]]
    # Not the local runner's Alertmanager: a test's alerts reach only a test's own.
    config.pop("alerting")
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    assert set(jobs) == set(targets), "the local config scrapes other jobs than the services"
    for name, target in targets.items():
        jobs[name]["static_configs"] = [{"targets": [target]}]
    return config


async def _alerts_settled(alerts: ServiceProcess, database: ScratchDatabase) -> None:
    """Waits until the alert service's first evaluation is done and every notification it
    decided has been tried: with no channel configured each fails for good, and that
    counter must have stopped moving before Prometheus scrapes it, or its rate would
    make IocNotificationsFailing pending (a notification that piles up would make
    IocNotificationsPilingUp pending before 14:00 UTC)."""

    def evaluated() -> bool:
        for line in alerts.metrics().splitlines():
            name, _, value = line.rpartition(" ")
            if name == "ioc_alerts_evaluations_total":
                return float(value) > 0
        return False

    async def settled() -> bool:
        if not await asyncio.to_thread(evaluated):
            return False
        connection = await asyncpg.connect(database.dsns["reader"])
        try:
            pending = await connection.fetchval(
                "SELECT count(*) FROM ioc.notifications WHERE status = 'pending'"
            )
        finally:
            await connection.close()
        return bool(pending == 0)

    await wait_for(settled, what="the alert service to try every notification it decided")


@pytest.fixture
async def started_services(
    aggregator_process: ServiceProcess,
    ingest_process: ServiceProcess,
    derived_process: ServiceProcess,
    catalog_database: ScratchDatabase,
    pipeline_topics: PipelineTopics,
    kafka_bootstrap: str,
    unique_name: str,
    tmp_path: Path,
) -> AsyncIterator[dict[str, ServiceProcess]]:
    alerts = alerts_service(
        catalog_database,
        pipeline_topics,
        kafka_bootstrap,
        f"{unique_name}.alerts",
        tmp_path / "alerts.log",
        # A fixed day, no quiet hours and no digest: what the alert service decides
        # does not depend on the time of day the test runs at.
        IOC_ALERTS_CLOCK_START=JULY_2023,
        IOC_ALERTS_QUIET_START="00:00",
        IOC_ALERTS_QUIET_END="00:00",
        IOC_ALERTS_DIGEST_AT="23:59",
    )
    # The lag of the consumer groups of the test's own topics, measured at the broker.
    watched = [
        {
            "service": "aggregator",
            "group": aggregator_process.env["IOC_AGGREGATOR_GROUP_ID"],
            "topic": pipeline_topics.events,
        },
        {"service": "alerts", "group": f"{unique_name}.alerts", "topic": pipeline_topics.updates},
    ]
    lag_exporter = lag_exporter_service(kafka_bootstrap, tmp_path / "lag-exporter.log", watched)
    aggregator_process.start()
    derived_process.start()
    alerts.start()
    lag_exporter.start()
    try:
        await asyncio.to_thread(aggregator_process.wait_ready)
        await asyncio.to_thread(derived_process.wait_ready)
        await asyncio.to_thread(alerts.wait_ready)
        await asyncio.to_thread(lag_exporter.wait_ready)
        await _alerts_settled(alerts, catalog_database)
        yield {
            "ingest": ingest_process,
            "aggregator": aggregator_process,
            "alerts": alerts,
            "derived": derived_process,
            "lag-exporter": lag_exporter,
        }
    finally:
        lag_exporter.stop()
        alerts.stop()


@pytest.fixture
def prometheus_binary() -> str:
    binary = shutil.which("prometheus")
    if binary is None:
        pytest.skip(
            "prometheus is not installed: it comes with Debian's `prometheus` package "
            "(apt-get install prometheus)"
        )
    return binary


@pytest.fixture
def prometheus(
    prometheus_binary: str, started_services: dict[str, ServiceProcess], tmp_path: Path
) -> Iterator[Prometheus]:
    """Prometheus on a free port, stopped after the test (checked for first: no services
    are started when it is missing)."""
    targets = {
        name: service.url.removeprefix("http://") for name, service in started_services.items()
    }
    config_path = tmp_path / "prometheus.yml"
    config_path.write_text(yaml.safe_dump(local_config_for(targets)), encoding="utf-8")
    port = free_port()
    log_path = tmp_path / "prometheus.log"
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [
                prometheus_binary,
                f"--config.file={config_path}",
                f"--storage.tsdb.path={tmp_path / 'tsdb'}",
                f"--web.listen-address=127.0.0.1:{port}",
            ],
            stdout=log,
            stderr=log,
        )
    try:
        yield Prometheus(f"http://127.0.0.1:{port}", process, log_path)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)


@pytest.fixture
async def api(prometheus: Prometheus) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=prometheus.url, timeout=5) as client:
        yield client
