"""Fixtures for pipeline tests: a migrated database with the catalog, topics of
the test's own, and services run as real processes that can be killed."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from ioc_catalog import load_catalog
from ioc_messaging.clients import SAFE_PRODUCER_OPTIONS
from ioc_storage.catalog_sync import sync_catalog
from ioc_storage.migrate import apply_migrations, shipped_migrations

# The `name as name` imports are re-exports: tests take the processes and the shared
# alert scenario from here.
from ioc_testing.alert_scenario import JULY_2023 as JULY_2023
from ioc_testing.alert_scenario import mailing_settings as mailing_settings
from ioc_testing.alert_scenario import publish_slow_paperless as publish_slow_paperless
from ioc_testing.infrastructure import ScratchDatabase
from ioc_testing.service_process import ServiceProcess as ServiceProcess
from ioc_testing.service_process import free_port as free_port
from ioc_testing.service_process import wait_for as wait_for


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
