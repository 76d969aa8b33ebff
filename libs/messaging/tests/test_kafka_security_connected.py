"""Authenticated Kafka on the real local broker: logins, and least-privilege ACLs.

Each ACL test gets its own topics and consumer groups (a `Topology` of unique names),
applies the code's rules for them as the `ioc-admin` super user, and removes them after.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable
from typing import TYPE_CHECKING, Any

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import (
    ClusterAuthorizationFailedError,
    GroupAuthorizationFailedError,
    KafkaConnectionError,
    TopicAuthorizationFailedError,
)

from ioc_contracts.topics import TopicSpec
from ioc_messaging.acl_admin import delete_acls, describe_acls
from ioc_messaging.acls import (
    AGGREGATOR_PRINCIPAL,
    ALERTS_PRINCIPAL,
    INGEST_PRINCIPAL,
    Topology,
    agency_acls,
    agency_principal,
    all_acls,
)
from ioc_messaging.cli import main as ioc_topics
from ioc_messaging.clients import (
    KafkaLoginError,
    check_login,
    safe_broker,
    safe_consumer,
    safe_producer,
)
from ioc_messaging.settings import KafkaSettings
from ioc_messaging.topics_admin import connect_admin, ensure_topics
from ioc_testing.kafka_logins import grant, revoke, wait_for_acls

if TYPE_CHECKING:
    from ioc_testing.kafka_logins import SaslListener

pytestmark = pytest.mark.connected

# Generous: the broker shares two cores with the whole test suite.
WAIT_S = 60.0


async def produce(settings: KafkaSettings, topic: str, value: bytes = b"figure") -> int:
    """Sends one record and waits for acks=all; returns its offset."""
    producer = safe_producer(settings, request_timeout_ms=30_000)
    try:
        await asyncio.wait_for(producer.start(), WAIT_S)
        metadata = await asyncio.wait_for(
            producer.send_and_wait(topic, value, key=b"dvc.paperless-rate|province"), WAIT_S
        )
    finally:
        await producer.stop()
    offset: int = metadata.offset
    return offset


async def consume_one(settings: KafkaSettings, topic: str, *, group: str | None) -> bytes:
    """Reads the first record of `topic`, as a group member or by assigning partition 0."""
    consumer: AIOKafkaConsumer = safe_consumer(
        settings, *([topic] if group else []), group_id=group
    )
    try:
        await asyncio.wait_for(consumer.start(), WAIT_S)
        if group is None:
            consumer.assign([TopicPartition(topic, 0)])
        record = await asyncio.wait_for(consumer.getone(), WAIT_S)
    finally:
        await consumer.stop()
    value: bytes = record.value
    return value


def topic_specs(topology: Topology) -> list[TopicSpec]:
    names = [
        topology.events_topic,
        topology.dlq_topic,
        topology.series_updated_topic,
        topology.alerts_topic,
    ]
    # One partition each, so a record written is the one partition 0 reads.
    return [TopicSpec(name=n, partitions=1, retention_ms=3_600_000, description="t") for n in names]


@pytest.fixture
async def granted(
    kafka_bootstrap: str, sasl_listener: SaslListener, unique_name: str
) -> AsyncIterator[Topology]:
    """Unique topics and groups with the code's ACLs for the services and agency so-xd."""
    topology = Topology(
        events_topic=f"{unique_name}.events",
        dlq_topic=f"{unique_name}.events.dlq",
        series_updated_topic=f"{unique_name}.series-updated",
        alerts_topic=f"{unique_name}.alerts",
        aggregator_group=f"{unique_name}.aggregator",
        alerts_group=f"{unique_name}.alerts",
    )
    await ensure_topics(KafkaSettings(bootstrap_servers=kafka_bootstrap), topic_specs(topology))
    rules = all_acls(["so-xd"], topology)
    admin = sasl_listener.settings("ioc-admin")
    # In force before the test acts on them: the broker applies new rules a moment
    # after the controller accepted them.
    await grant(admin, rules)
    try:
        yield topology
    finally:
        await delete_acls(admin, rules)


async def refused(
    action: Awaitable[Any],
    error: type[Exception] | tuple[type[Exception], ...] = TopicAuthorizationFailedError,
) -> None:
    with pytest.raises(error):
        await action


# --- logging in -----------------------------------------------------------------------------


async def test_a_principal_with_its_password_creates_produces_and_consumes(
    sasl_listener: SaslListener, unique_name: str
) -> None:
    admin = sasl_listener.settings("ioc-admin")
    spec = TopicSpec(name=unique_name, partitions=1, retention_ms=3_600_000, description="t")
    assert await ensure_topics(admin, [spec]) == [spec]
    offset = await produce(admin, unique_name, b"731/1950")
    assert offset == 0
    assert await consume_one(admin, unique_name, group=f"{unique_name}.reader") == b"731/1950"


async def test_a_wrong_password_is_refused_with_a_clear_error(
    sasl_listener: SaslListener,
) -> None:
    wrong = sasl_listener.settings(INGEST_PRINCIPAL, password="not-the-password")
    with pytest.raises(KafkaLoginError, match=r"refused the login of 'ioc-ingest'") as caught:
        await check_login(wrong)
    assert "Authentication failed" in str(caught.value)
    # The admin client fails at once instead of retrying as if the broker were starting.
    started = asyncio.get_running_loop().time()
    with pytest.raises(KafkaLoginError):
        await connect_admin(wrong, timeout_s=WAIT_S)
    assert asyncio.get_running_loop().time() - started < WAIT_S
    # A producer cannot start: nothing is ever sent unauthenticated.
    producer = safe_producer(wrong)
    try:
        await refused(producer.start(), KafkaConnectionError)
    finally:
        await producer.stop()


async def test_a_right_password_passes_the_login_check(sasl_listener: SaslListener) -> None:
    await check_login(sasl_listener.settings(AGGREGATOR_PRINCIPAL))


# --- least privilege ------------------------------------------------------------------------


async def test_the_broker_holds_exactly_the_rules_of_the_code(
    sasl_listener: SaslListener, granted: Topology
) -> None:
    admin = sasl_listener.settings("ioc-admin")
    names = {granted.events_topic, granted.dlq_topic, granted.series_updated_topic}
    names |= {granted.alerts_topic, granted.aggregator_group, granted.alerts_group}
    wanted = all_acls(["so-xd"], granted)
    for principal in {rule.principal for rule in wanted}:
        held = await describe_acls(admin, principal)
        # Other runs may hold rules on their own topics; these topics are this test's.
        mine = {rule for rule in held if rule.resource_name in names}
        expected = {rule for rule in wanted if rule.principal == principal}
        assert mine == {r for r in expected if r.resource_name in names}, principal


async def test_an_agency_writes_its_topic_and_nothing_else(
    sasl_listener: SaslListener, granted: Topology
) -> None:
    agency = sasl_listener.settings(agency_principal("so-xd"))
    assert await produce(agency, granted.events_topic) >= 0
    # Not other agencies' figures, not the pipeline's own topics.
    await refused(consume_one(agency, granted.events_topic, group=None))
    await refused(produce(agency, granted.series_updated_topic))
    await refused(produce(agency, granted.alerts_topic))
    # An agency without rules may not write at all: not even start an idempotent producer.
    other = sasl_listener.settings(agency_principal("vp-ubnd"))
    await refused(
        produce(other, granted.events_topic),
        (TopicAuthorizationFailedError, ClusterAuthorizationFailedError),
    )


async def test_the_aggregator_reads_events_in_its_group_and_writes_its_outputs(
    sasl_listener: SaslListener, granted: Topology
) -> None:
    admin = sasl_listener.settings("ioc-admin")
    await produce(admin, granted.events_topic, b"event")
    aggregator = sasl_listener.settings(AGGREGATOR_PRINCIPAL)
    value = await consume_one(aggregator, granted.events_topic, group=granted.aggregator_group)
    assert value == b"event"
    assert await produce(aggregator, granted.dlq_topic) >= 0
    assert await produce(aggregator, granted.series_updated_topic) >= 0
    await refused(produce(aggregator, granted.events_topic))
    await refused(produce(aggregator, granted.alerts_topic))
    await refused(
        consume_one(aggregator, granted.events_topic, group=f"{granted.aggregator_group}.other"),
        GroupAuthorizationFailedError,
    )


async def test_the_alert_service_reads_updates_and_writes_alerts_only(
    sasl_listener: SaslListener, granted: Topology
) -> None:
    admin = sasl_listener.settings("ioc-admin")
    await produce(admin, granted.series_updated_topic, b"update")
    alerts = sasl_listener.settings(ALERTS_PRINCIPAL)
    value = await consume_one(alerts, granted.series_updated_topic, group=granted.alerts_group)
    assert value == b"update"
    assert await produce(alerts, granted.alerts_topic) >= 0
    # Its own group, someone else's topic (not even described to it).
    await refused(consume_one(alerts, granted.events_topic, group=granted.alerts_group))
    await refused(produce(alerts, granted.series_updated_topic))


async def test_a_faststream_broker_logs_in_and_keeps_to_its_acls(
    sasl_listener: SaslListener, granted: Topology
) -> None:
    """The services' path: safe_broker with FastStream's security object."""
    await produce(sasl_listener.settings("ioc-admin"), granted.series_updated_topic, b"update")
    broker = safe_broker(
        sasl_listener.settings(ALERTS_PRINCIPAL), client_id="ioc-alerts", logger_name="test"
    )
    received: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()

    @broker.subscriber(
        granted.series_updated_topic, group_id=granted.alerts_group, auto_offset_reset="earliest"
    )
    async def on_update(body: bytes) -> None:
        if not received.done():
            received.set_result(body)

    await asyncio.wait_for(broker.start(), WAIT_S)
    try:
        assert await asyncio.wait_for(received, WAIT_S) == b"update"
        await asyncio.wait_for(broker.publish(b"alert", granted.alerts_topic), WAIT_S)
        await refused(asyncio.wait_for(broker.publish(b"x", granted.events_topic), WAIT_S))
    finally:
        await broker.stop()


async def test_ingest_writes_events_only(sasl_listener: SaslListener, granted: Topology) -> None:
    ingest = sasl_listener.settings(INGEST_PRINCIPAL)
    assert await produce(ingest, granted.events_topic) >= 0
    await refused(produce(ingest, granted.dlq_topic))
    await refused(consume_one(ingest, granted.events_topic, group=None))


# --- the command ----------------------------------------------------------------------------


async def test_ioc_topics_acls_applies_an_agencys_rules_as_the_admin(
    sasl_listener: SaslListener, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = sasl_listener.settings("ioc-admin")
    agency = f"test-{uuid.uuid4().hex[:8]}"
    for name, value in {
        "IOC_KAFKA_BOOTSTRAP_SERVERS": admin.bootstrap_servers,
        "IOC_KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
        "IOC_KAFKA_SASL_MECHANISM": "PLAIN",
        "IOC_KAFKA_SASL_USERNAME": "ioc-admin",
        "IOC_KAFKA_SASL_PASSWORD": sasl_listener.password("ioc-admin"),
    }.items():
        monkeypatch.setenv(name, value)
    # The command runs its own event loop: off this test's, in a thread.
    assert await asyncio.to_thread(ioc_topics, ["acls", "--agency", agency]) == 0
    try:
        await wait_for_acls(admin, agency_acls(agency), held=True)
        assert await describe_acls(admin, agency_principal(agency)) == set(agency_acls(agency))
        agency_settings = sasl_listener.settings("agency-so-xd")
        # Not a super user: applying ACLs needs ioc-admin.
        monkeypatch.setenv("IOC_KAFKA_SASL_USERNAME", "agency-so-xd")
        monkeypatch.setenv("IOC_KAFKA_SASL_PASSWORD", sasl_listener.password("agency-so-xd"))
        assert agency_settings.sasl_username == "agency-so-xd"
        assert await asyncio.to_thread(ioc_topics, ["acls", "--agency", agency]) == 1
    finally:
        await revoke(admin, agency_acls(agency))
    assert await describe_acls(admin, agency_principal(agency)) == set()
