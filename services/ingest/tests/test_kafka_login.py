"""The gateway logs in to Kafka as its own principal and publishes within its ACLs.

Against the local broker's SASL listener (deploy/local/kafka.sh): the app is built with
KafkaSettings for `ioc-ingest`, whose ACLs are applied to this test's own topic only.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable

import pytest
from aiokafka.errors import TopicAuthorizationFailedError
from prometheus_client import CollectorRegistry

from ioc_ingest.adapters.kafka_publisher import KafkaUnavailableError, OutgoingRecord
from ioc_ingest.config import IngestSettings
from ioc_ingest.main import create_app
from ioc_ingest.services import IngestServices
from ioc_messaging.acls import ADMIN_PRINCIPAL, INGEST_PRINCIPAL, Topology, service_acls
from ioc_testing.kafka_logins import SaslListener, rules_in_force

pytestmark = pytest.mark.connected

WAIT_S = 60.0


@pytest.fixture
async def ingest_grants(sasl_listener: SaslListener, topic: str) -> AsyncIterator[SaslListener]:
    """ioc-ingest's ACLs for this test's topic, removed afterwards."""
    rules = service_acls(Topology(events_topic=topic))[INGEST_PRINCIPAL]
    # In force, not only accepted by the controller.
    async with rules_in_force(sasl_listener.settings(ADMIN_PRINCIPAL), rules):
        yield sasl_listener


async def _services_when_connected(app: object) -> IngestServices:
    deadline = asyncio.get_running_loop().time() + WAIT_S
    while True:
        services: IngestServices | None = app.state.services  # type: ignore[attr-defined]
        if services is not None and services.publisher.ready:
            return services
        if asyncio.get_running_loop().time() > deadline:
            pytest.fail("ingest did not connect to Kafka's SASL listener")
        await asyncio.sleep(0.1)


async def test_ingest_publishes_as_its_principal_and_only_to_its_topic(
    ingest_settings: Callable[..., IngestSettings],
    ingest_grants: SaslListener,
    topic: str,
    unique_name: str,
) -> None:
    app = create_app(
        ingest_settings(ingest_topic=topic),
        kafka=ingest_grants.settings(INGEST_PRINCIPAL),
        registry=CollectorRegistry(),
    )
    async with app.router.lifespan_context(app):
        publisher = (await _services_when_connected(app)).publisher
        record = OutgoingRecord(key=b"dvc.paperless-rate|province", value=b"{}")
        await publisher.publish([record], timeout_seconds=WAIT_S)
        # Elsewhere the broker refuses, and the gateway reports it as unavailable.
        publisher.topic = f"{unique_name}.not-granted"
        with pytest.raises(KafkaUnavailableError, match="refused") as refused:
            await publisher.publish([record], timeout_seconds=WAIT_S)
        assert isinstance(refused.value.__cause__, TopicAuthorizationFailedError)


async def test_a_refused_login_is_logged_as_such_and_the_gateway_stays_unready(
    ingest_settings: Callable[..., IngestSettings],
    sasl_listener: SaslListener,
    caplog: pytest.LogCaptureFixture,
) -> None:
    wrong = sasl_listener.settings(INGEST_PRINCIPAL, password="not-the-password")
    app = create_app(ingest_settings(), kafka=wrong, registry=CollectorRegistry())
    caplog.set_level(logging.WARNING, logger="ioc_ingest.adapters.kafka_publisher")
    async with app.router.lifespan_context(app):
        deadline = asyncio.get_running_loop().time() + WAIT_S
        while not any("refused the login of 'ioc-ingest'" in r.message for r in caplog.records):
            assert asyncio.get_running_loop().time() < deadline, "no refused login was logged"
            await asyncio.sleep(0.1)
        services: IngestServices = app.state.services
        assert not services.publisher.ready
