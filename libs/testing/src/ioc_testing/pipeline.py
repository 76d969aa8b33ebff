"""Fixtures for pipeline tests: a migrated database with the catalog, topics of
the test's own, and services run as real processes that can be killed."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from ioc_catalog import load_catalog
from ioc_contracts.topics import series_key_bytes
from ioc_messaging.clients import SAFE_PRODUCER_OPTIONS
from ioc_storage.catalog_sync import sync_catalog
from ioc_storage.migrate import apply_migrations, shipped_migrations
from ioc_testing.infrastructure import ScratchDatabase


@dataclass(frozen=True)
class PipelineTopics:
    events: str
    dead_letters: str
    updates: str
    alerts: str


async def migrate_with_catalog(database: ScratchDatabase) -> None:
    connection = await asyncpg.connect(database.dsns["migrator"])
    try:
        await apply_migrations(connection, shipped_migrations())
        await sync_catalog(connection, load_catalog())
    finally:
        await connection.close()


@pytest.fixture
async def catalog_database(scratch_database: ScratchDatabase) -> ScratchDatabase:
    """A database of the test's own: migrated, with the shipped catalog loaded."""
    await migrate_with_catalog(scratch_database)
    return scratch_database


@pytest.fixture
async def pipeline_topics(kafka_bootstrap: str, unique_name: str) -> AsyncIterator[PipelineTopics]:
    topics = PipelineTopics(
        events=f"{unique_name}.events",
        dead_letters=f"{unique_name}.dlq",
        updates=f"{unique_name}.updates",
        alerts=f"{unique_name}.alerts",
    )
    names = [topics.events, topics.dead_letters, topics.updates, topics.alerts]
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        await admin.create_topics(
            [
                NewTopic(topics.events, 3, 1),
                NewTopic(topics.dead_letters, 1, 1),
                NewTopic(topics.updates, 3, 1),
                NewTopic(topics.alerts, 1, 1),
            ]
        )
        yield topics
        await admin.delete_topics(names)
    finally:
        await admin.close()


@pytest.fixture
async def producer(kafka_bootstrap: str) -> AsyncIterator[AIOKafkaProducer]:
    """A producer with the project's safe options (acks=all, idempotence)."""
    client = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, **SAFE_PRODUCER_OPTIONS)
    await client.start()
    yield client
    await client.stop()


_PORTS_HANDED_OUT: set[int] = set()


def free_port() -> int:
    """A loopback port nothing listens on now, never the same twice in one test run.

    The port is released at once and bound later by whoever gets it; meanwhile the
    kernel may offer it again to the next caller, and two services of one test would
    then start on the same port.
    """
    while True:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1])
        if port not in _PORTS_HANDED_OUT:
            _PORTS_HANDED_OUT.add(port)
            return port


class ServiceProcess:
    """A service run as `python -m <module>`, as in production, so it can be killed -9."""

    def __init__(self, module: str, env: dict[str, str], log_path: Path) -> None:
        self.module = module
        self.port = free_port()
        self.env = {**os.environ, **env, "IOC_HTTP_PORT": str(self.port)}
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", self.module], env=self.env, stdout=log, stderr=log
        )

    def wait_ready(self, path: str = "/readyz", timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"{self.module} exited: {self.log_tail()}")
            try:
                with urllib.request.urlopen(self.url + path, timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        raise TimeoutError(f"{self.module} not ready after {timeout} s: {self.log_tail()}")

    def kill(self) -> None:
        """SIGKILL: no shutdown hook runs, nothing is flushed or committed."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()

    def metrics(self) -> str:
        with urllib.request.urlopen(self.url + "/metrics", timeout=5) as response:  # noqa: S310
            return str(response.read().decode())

    async def wait_for_sample(self, sample: str, *, within: float = 60.0) -> None:
        """Waits until `/metrics` shows `sample` (a whole line such as `name{label="x"} 1.0`).

        A counter moves when the batch holding its record is done, which may be a batch
        after the one that stored the rows a test waited for; asserting at once would race.
        """

        async def shown() -> bool:
            text = await asyncio.to_thread(self.metrics)
            return sample in text.splitlines()

        await wait_for(shown, within=within, what=f"{sample!r} in the metrics of {self.url}")

    def log_tail(self, lines: int = 30) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


@pytest.fixture
def aggregator_process(
    catalog_database: ScratchDatabase,
    pipeline_topics: PipelineTopics,
    kafka_bootstrap: str,
    unique_name: str,
    tmp_path: Path,
) -> Iterator[ServiceProcess]:
    """The real aggregator on the test's topics and database (not yet started)."""
    service = ServiceProcess(
        "ioc_aggregator",
        {
            "IOC_DATABASE_URL": catalog_database.dsns["writer"],
            "IOC_KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
            "IOC_AGGREGATOR_GROUP_ID": f"{unique_name}.aggregator",
            # As on Kubernetes (the pod's name): a restart after kill -9 rejoins as the
            # same static member and gets its partitions back without a rebalance.
            "IOC_AGGREGATOR_GROUP_INSTANCE_ID": f"{unique_name}.aggregator-0",
            "IOC_AGGREGATOR_SOURCE_TOPIC": pipeline_topics.events,
            "IOC_AGGREGATOR_DLQ_TOPIC": pipeline_topics.dead_letters,
            "IOC_AGGREGATOR_UPDATES_TOPIC": pipeline_topics.updates,
            "IOC_AGGREGATOR_CATALOG_REFRESH_SECONDS": "2",
            "IOC_LOG_LEVEL": "INFO",
        },
        tmp_path / "aggregator.log",
    )
    yield service
    service.kill()


def ingest_service(
    database: ScratchDatabase,
    topics: PipelineTopics,
    kafka_bootstrap: str,
    log_path: Path,
    **settings: str,
) -> ServiceProcess:
    """The real ingest gateway publishing to the test's topic (not yet started)."""
    return ServiceProcess(
        "ioc_ingest",
        {
            "IOC_DATABASE_URL": database.dsns["ingest"],
            "IOC_KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
            "IOC_INGEST_TOPIC": topics.events,
            "IOC_LOG_LEVEL": "INFO",
            **settings,
        },
        log_path,
    )


@pytest.fixture
def ingest_process(
    catalog_database: ScratchDatabase,
    pipeline_topics: PipelineTopics,
    kafka_bootstrap: str,
    tmp_path: Path,
) -> Iterator[ServiceProcess]:
    """The real ingest gateway publishing to the test's topic, started and ready."""
    service = ingest_service(
        catalog_database, pipeline_topics, kafka_bootstrap, tmp_path / "ingest.log"
    )
    service.start()
    service.wait_ready()
    yield service
    service.stop()


# Mid-July 2023, daytime in Bình Dương: the paperless target's deadline (30/9) is ahead.
JULY_2023 = "2023-07-15T09:00:00+07:00"


def mailing_settings(smtp_port: int, **overrides: str) -> dict[str, str]:
    """An alert service that mails a local SMTP server, judging on a July 2023 clock,
    with no quiet hours and no digest to get in a test's way."""
    return {
        "IOC_ALERTS_CLOCK_START": JULY_2023,
        "IOC_ALERTS_QUIET_START": "00:00",
        "IOC_ALERTS_QUIET_END": "00:00",
        "IOC_ALERTS_DIGEST_AT": "23:59",
        "IOC_SMTP_HOST": "127.0.0.1",
        "IOC_SMTP_PORT": str(smtp_port),
        "IOC_SMTP_STARTTLS": "false",
        **overrides,
    }


async def publish_slow_paperless(producer: AIOKafkaProducer, topic: str) -> None:
    """The paperless rate creeping up far too slowly: its deadline target fires.

    The figures are handed to the producer together and acknowledged together, so they
    travel as one batch and the alert service judges the whole series at once; one by
    one, the aggregator could store them in separate batches, and the alert service
    open the alert on the first figure and tell everyone again when the next one
    changes its status.
    """
    deliveries = []
    for day, value in (("2023-06-01", 37.0), ("2023-06-20", 38.0), ("2023-07-10", 40.0)):
        event = {
            "event_id": str(uuid.uuid4()),
            "agency": "vp-ubnd",
            "indicator": "dvc.paperless-rate",
            "scope": "province",
            "observed_at": f"{day}T17:00:00+07:00",
            "value": value,
        }
        deliveries.append(
            await producer.send(
                topic,
                json.dumps(event).encode(),
                key=series_key_bytes("dvc.paperless-rate", "province"),
            )
        )
    await asyncio.gather(*deliveries)


def alerts_service(
    database: ScratchDatabase,
    topics: PipelineTopics,
    kafka_bootstrap: str,
    group: str,
    log_path: Path,
    **settings: str,
) -> ServiceProcess:
    """The real alert service on the test's topics and database (not yet started)."""
    service = ServiceProcess(
        "ioc_alerts",
        {
            "IOC_DATABASE_URL": database.dsns["alerts"],
            "IOC_KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
            "IOC_ALERTS_GROUP_ID": group,
            "IOC_ALERTS_UPDATES_TOPIC": topics.updates,
            "IOC_ALERTS_TOPIC": topics.alerts,
            "IOC_ACK_SECRET": "test-ack-secret-0123456789",
            "IOC_API_TOKEN": "test-operator-token-0123456789",
            "IOC_ALERTS_EVALUATE_EVERY_SECONDS": "1",
            "IOC_ALERTS_DISPATCH_EVERY_SECONDS": "0.2",
            "IOC_ALERTS_CATALOG_REFRESH_SECONDS": "2",
            "IOC_LOG_LEVEL": "INFO",
            **settings,
        },
        log_path,
    )
    service.env["IOC_PUBLIC_BASE_URL"] = service.url
    return service


async def wait_for(
    condition: Callable[[], Awaitable[bool]], *, within: float = 60.0, what: str = "condition"
) -> None:
    """Polls an async predicate until it holds; fails with `what` when time runs out."""
    deadline = time.monotonic() + within
    while True:
        if await condition():
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {within} s waiting for {what}")
        await asyncio.sleep(0.2)


@pytest.fixture
def derived_process(
    catalog_database: ScratchDatabase,
    pipeline_topics: PipelineTopics,
    kafka_bootstrap: str,
    unique_name: str,
    tmp_path: Path,
) -> Iterator[ServiceProcess]:
    """The real derived-indicator service on the test's topics and database (not yet
    started): reads SeriesUpdated, publishes derived figures to the events topic."""
    service = ServiceProcess(
        "ioc_derived",
        {
            "IOC_DATABASE_URL": catalog_database.dsns["derived"],
            "IOC_KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
            "IOC_DERIVED_GROUP_ID": f"{unique_name}.derived",
            "IOC_DERIVED_UPDATES_TOPIC": pipeline_topics.updates,
            "IOC_DERIVED_EVENTS_TOPIC": pipeline_topics.events,
            "IOC_LOG_LEVEL": "INFO",
        },
        tmp_path / "derived.log",
    )
    yield service
    service.kill()
