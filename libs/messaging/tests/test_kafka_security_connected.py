"""Authenticated Kafka on the real local broker: logins, and `ioc-topics acls` applying an
agency's rules (the least-privilege ACLs themselves: test_kafka_acls_connected.py)."""

from __future__ import annotations

import asyncio
import uuid
from typing import TYPE_CHECKING

import pytest
from aiokafka.errors import KafkaConnectionError

from ioc_contracts.topics import TopicSpec
from ioc_messaging.acl_admin import describe_acls
from ioc_messaging.acls import AGGREGATOR_PRINCIPAL, INGEST_PRINCIPAL, agency_acls, agency_principal
from ioc_messaging.cli import main as ioc_topics
from ioc_messaging.clients import KafkaLoginError, check_login, safe_producer
from ioc_messaging.topics_admin import connect_admin, ensure_topics
from ioc_testing.kafka_logins import revoke, wait_for_acls

from .kafka_clients import WAIT_S, consume_one, produce, refused

if TYPE_CHECKING:
    from ioc_testing.kafka_logins import SaslListener

pytestmark = pytest.mark.connected


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
