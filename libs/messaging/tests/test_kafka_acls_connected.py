"""Least-privilege ACLs on the real local broker: each principal may do what its rules say
and is refused the rest.

Each test gets its own topics and consumer groups (a `Topology` of unique names),
applies the code's rules for them as the `ioc-admin` super user, and removes them after.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import pytest
from aiokafka.errors import (
    ClusterAuthorizationFailedError,
    GroupAuthorizationFailedError,
    TopicAuthorizationFailedError,
)

from ioc_messaging.acl_admin import describe_acls
from ioc_messaging.acls import (
    AGGREGATOR_PRINCIPAL,
    ALERTS_PRINCIPAL,
    INGEST_PRINCIPAL,
    Topology,
    agency_principal,
    all_acls,
)
from ioc_messaging.clients import safe_broker

from .kafka_clients import WAIT_S, consume_one, granted_topology, produce, refused

if TYPE_CHECKING:
    from ioc_testing.kafka_logins import SaslListener

pytestmark = pytest.mark.connected


@pytest.fixture
async def granted(
    kafka_bootstrap: str, sasl_listener: SaslListener, unique_name: str
) -> AsyncIterator[Topology]:
    """Unique topics and groups with the code's ACLs for the services and agency so-xd."""
    async with granted_topology(
        kafka_bootstrap, sasl_listener, unique_name, lambda t: all_acls(["so-xd"], t)
    ) as topology:
        yield topology


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
