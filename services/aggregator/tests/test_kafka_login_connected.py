"""The aggregator logs in to Kafka as `ioc-aggregator` and does its whole job within its
ACLs: read the events as its group, dead-letter the bad ones, announce the series."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer

from ioc_contracts.topics import series_key_bytes
from ioc_messaging.acls import ADMIN_PRINCIPAL, AGGREGATOR_PRINCIPAL, Topology, service_acls
from ioc_messaging.clients import SAFE_PRODUCER_OPTIONS
from ioc_testing import ScratchDatabase
from ioc_testing.kafka_logins import SaslListener, rules_in_force
from ioc_testing.pipeline import PipelineTopics, ServiceProcess, wait_for

pytestmark = pytest.mark.connected


@pytest.fixture
async def granted(
    sasl_listener: SaslListener, pipeline_topics: PipelineTopics, unique_name: str
) -> AsyncIterator[Topology]:
    """ioc-aggregator's ACLs on this test's topics and group, removed afterwards."""
    topology = Topology(
        events_topic=pipeline_topics.events,
        dlq_topic=pipeline_topics.dead_letters,
        series_updated_topic=pipeline_topics.updates,
        aggregator_group=f"{unique_name}.aggregator",
    )
    rules = service_acls(topology)[AGGREGATOR_PRINCIPAL]
    async with rules_in_force(sasl_listener.settings(ADMIN_PRINCIPAL), rules):
        yield topology


def _figure(value: float, **fields: object) -> bytes:
    return json.dumps(
        {
            "event_id": str(uuid.uuid4()),
            "agency": "vp-ubnd",
            "indicator": "dvc.paperless-rate",
            "scope": "province",
            "observed_at": "2023-06-30T00:00:00+00:00",
            "value": value,
            **fields,
        }
    ).encode()


async def test_the_aggregator_stores_refuses_and_announces_as_its_own_principal(
    sasl_listener: SaslListener,
    granted: Topology,
    catalog_database: ScratchDatabase,
    kafka_bootstrap: str,
    tmp_path: Path,
) -> None:
    login = sasl_listener.settings(AGGREGATOR_PRINCIPAL)
    assert login.sasl_password is not None
    service = ServiceProcess(
        "ioc_aggregator",
        {
            "IOC_DATABASE_URL": catalog_database.dsns["writer"],
            "IOC_KAFKA_BOOTSTRAP_SERVERS": sasl_listener.bootstrap_servers,
            "IOC_KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
            "IOC_KAFKA_SASL_MECHANISM": "PLAIN",
            "IOC_KAFKA_SASL_USERNAME": AGGREGATOR_PRINCIPAL,
            "IOC_KAFKA_SASL_PASSWORD": login.sasl_password.get_secret_value(),
            "IOC_AGGREGATOR_GROUP_ID": granted.aggregator_group,
            "IOC_AGGREGATOR_SOURCE_TOPIC": granted.events_topic,
            "IOC_AGGREGATOR_DLQ_TOPIC": granted.dlq_topic,
            "IOC_AGGREGATOR_UPDATES_TOPIC": granted.series_updated_topic,
            "IOC_LOG_LEVEL": "INFO",
        },
        tmp_path / "aggregator.log",
    )
    service.start()
    try:
        service.wait_ready()
        # Published over the plain listener (the test's own, unrestricted producer).
        producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, **SAFE_PRODUCER_OPTIONS)
        await producer.start()
        try:
            key = series_key_bytes("dvc.paperless-rate", "province")
            await producer.send_and_wait(granted.events_topic, _figure(41.0), key=key)
            await producer.send_and_wait(granted.events_topic, _figure(141.0), key=key)
        finally:
            await producer.stop()

        async def stored() -> bool:
            connection = await asyncpg.connect(catalog_database.dsns["reader"])
            try:
                return int(await connection.fetchval("SELECT count(*) FROM ioc.observations")) == 1
            finally:
                await connection.close()

        await wait_for(stored, what="the valid event stored by the aggregator over SASL")
        # Dead letter and SeriesUpdated both written, offsets committed as its group:
        # anything outside its ACLs would have been refused and logged instead.
        await service.wait_for_sample(
            'ioc_aggregator_dead_letters_total{error_code="value_out_of_range"} 1.0'
        )
        await service.wait_for_sample("ioc_aggregator_series_updates_total 1.0")
    finally:
        log = service.log_tail(40)
        service.kill()
    assert "TopicAuthorizationFailed" not in log, log
    assert "GroupAuthorizationFailed" not in log, log
