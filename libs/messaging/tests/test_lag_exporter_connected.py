"""The lag exporter, as a process, logs in to the real broker as `ioc-lag-exporter` and
measures the groups its ACLs let it describe: nothing more is granted to it, and a group
an operator forgot to grant blinds it to that group only, with the reason shown."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from ioc_messaging.acls import ADMIN_PRINCIPAL, LAG_EXPORTER_PRINCIPAL, Topology, service_acls
from ioc_testing.kafka_logins import SaslListener
from ioc_testing.service_process import ServiceProcess, wait_for

from .kafka_clients import granted_topology, produce

pytestmark = pytest.mark.connected

PRODUCED = 5
COMMITTED = 2
_POLLS_OK = 'ioc_lag_exporter_polls_total{outcome="ok"}'


@pytest.fixture
async def granted(
    kafka_bootstrap: str, sasl_listener: SaslListener, unique_name: str
) -> AsyncIterator[Topology]:
    """Unique topics and groups; the exporter's rules only, removed afterwards."""
    # The alerts topic is made too, but no rule of the exporter's names it: it may not
    # even learn that it exists.
    async with granted_topology(
        kafka_bootstrap,
        sasl_listener,
        unique_name,
        lambda t: service_acls(t)[LAG_EXPORTER_PRINCIPAL],
    ) as topology:
        yield topology


async def _commit(bootstrap: str, topic: str, group: str, offset: int) -> None:
    """The group's committed offset on partition 0, as its consumers would leave it."""
    # No auto-commit: stopping would commit the position it reset to, the partition's end.
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False
    )
    await consumer.start()
    try:
        partition = TopicPartition(topic, 0)
        consumer.assign([partition])
        await consumer.commit({partition: offset})
    finally:
        await consumer.stop()


async def test_the_exporter_measures_what_it_may_describe_and_names_what_it_may_not(
    sasl_listener: SaslListener, granted: Topology, kafka_bootstrap: str, tmp_path: Path
) -> None:
    admin = sasl_listener.settings(ADMIN_PRINCIPAL)
    for _ in range(PRODUCED):
        await produce(admin, granted.events_topic)
    await _commit(kafka_bootstrap, granted.events_topic, granted.aggregator_group, COMMITTED)
    forgotten = f"{granted.aggregator_group}.forgotten"  # no rule grants it
    await _commit(kafka_bootstrap, granted.events_topic, forgotten, 1)
    login = sasl_listener.settings(LAG_EXPORTER_PRINCIPAL)
    assert login.sasl_password is not None
    password = login.sasl_password.get_secret_value()
    watched = [
        {"service": "aggregator", "group": granted.aggregator_group, "topic": granted.events_topic},
        {"service": "replay", "group": forgotten, "topic": granted.events_topic},
        {"service": "alerts", "group": granted.alerts_group, "topic": granted.alerts_topic},
    ]
    exporter = ServiceProcess(
        "ioc_messaging.lag_exporter",
        {
            "IOC_KAFKA_BOOTSTRAP_SERVERS": sasl_listener.bootstrap_servers,
            "IOC_KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
            "IOC_KAFKA_SASL_MECHANISM": "PLAIN",
            "IOC_KAFKA_SASL_USERNAME": LAG_EXPORTER_PRINCIPAL,
            "IOC_KAFKA_SASL_PASSWORD": password,
            "IOC_LAG_WATCHED": json.dumps(watched),
            "IOC_LAG_POLL_SECONDS": "0.5",
        },
        tmp_path / "lag-exporter.log",
    )
    exporter.start()
    try:
        # Ready: the broker answered, though one group could not be read.
        exporter.wait_ready()
        labels = (
            f'group="{granted.aggregator_group}",partition="0",service="aggregator",'
            f'topic="{granted.events_topic}"'
        )
        await exporter.wait_for_sample(
            f"ioc_consumer_group_lag{{{labels}}} {float(PRODUCED - COMMITTED)}"
        )
        await exporter.wait_for_sample(
            f'ioc_lag_exporter_unreadable_groups{{group="{forgotten}",'
            f'reason="not authorized",service="replay",topic="{granted.events_topic}"}} 1.0'
        )
        await exporter.wait_for_sample(
            f'ioc_lag_exporter_unreadable_groups{{group="{granted.alerts_group}",'
            f'reason="not authorized",service="alerts",topic="{granted.alerts_topic}"}} 1.0'
        )

        async def polled_thrice() -> bool:
            text = await asyncio.to_thread(exporter.metrics)
            ok = next(line for line in text.splitlines() if line.startswith(_POLLS_OK))
            return float(ok.split()[-1]) >= 3

        await wait_for(polled_thrice, within=30, what="three polls")
        metrics = exporter.metrics()
        assert f'group="{forgotten}",partition' not in metrics
        assert 'ioc_lag_exporter_polls_total{outcome="failed"} 0.0' in metrics
    finally:
        exporter.stop()
    log = (tmp_path / "lag-exporter.log").read_text(encoding="utf-8")
    assert password not in log
    assert f"not authorized to describe group {forgotten}" in log
    assert f"not authorized to describe topic {granted.alerts_topic}" in log
    # Once each, not at every poll.
    assert log.count(f"not authorized to describe group {forgotten}") == 1
