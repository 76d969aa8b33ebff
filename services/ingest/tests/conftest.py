"""Fixtures for ingest's tests: the real app in-process, against the real Kafka and database
(the Kafka topic fixtures are in kafka_topics.py).

Each connected test gets its own Kafka topic, its own API keys (issued as the migration
role, revoked afterwards) and its own client address, so its audit rows are its own.
"""

from __future__ import annotations

import asyncio
import random
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Any, Protocol

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from prometheus_client import CollectorRegistry
from pydantic import SecretStr

from ioc_ingest.config import IngestSettings
from ioc_ingest.main import create_app
from ioc_runtime.settings import Environment
from ioc_storage.connection import Connection
from ioc_storage.credentials import IssuedApiKey, create_api_key, revoke_api_key

# The `name as name` imports make the Kafka fixtures every ingest test's, and keep the
# types the tests annotate with importable from here.
from .kafka_topics import ReadTopic as ReadTopic
from .kafka_topics import TopicSize as TopicSize
from .kafka_topics import read_topic as read_topic
from .kafka_topics import topic as topic
from .kafka_topics import topic_size as topic_size

READY_WITHIN_SECONDS = 60.0


class ManualClock:
    """A monotonic clock the test moves by hand (credential cache, rate limit)."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass(frozen=True)
class RunningIngest:
    app: FastAPI
    client: httpx.AsyncClient
    registry: CollectorRegistry
    settings: IngestSettings
    remote_addr: str
    clock: ManualClock

    def metric(self, name: str, **labels: str) -> float:
        value = self.registry.get_sample_value(name, labels)
        return 0.0 if value is None else value


class StartIngest(Protocol):
    def __call__(
        self, *, wait_ready: bool = True, **overrides: Any
    ) -> AbstractAsyncContextManager[RunningIngest]: ...


class IssueKey(Protocol):
    async def __call__(self, agency: str) -> IssuedApiKey: ...


class RevokeKey(Protocol):
    async def __call__(self, prefix: str) -> None: ...


class AuditRows(Protocol):
    async def __call__(self, remote_addr: str) -> list[asyncpg.Record]: ...


def _random_loopback() -> str:
    return "127." + ".".join(str(random.randint(1, 254)) for _ in range(3))


@pytest.fixture
def ingest_settings(
    role_dsns: dict[str, str], kafka_bootstrap: str
) -> Callable[..., IngestSettings]:
    """Settings for an app against the real infrastructure; keyword arguments override."""

    def make(**overrides: Any) -> IngestSettings:
        values: dict[str, Any] = {
            "env": Environment.DEVELOPMENT,
            "database_url": SecretStr(role_dsns["ingest"]),
            "kafka_bootstrap_servers": kafka_bootstrap,
            "ingest_publish_timeout_seconds": 10.0,
            # The test clock stands still, so tokens never refill: room for every request
            # a test sends, except in the rate limit's own test.
            "ingest_rate_burst": 1_000,
            **overrides,
        }
        return IngestSettings.model_validate(values)

    return make


@pytest.fixture
def start_ingest(ingest_settings: Callable[..., IngestSettings]) -> StartIngest:
    """Runs the app (lifespan included) and an httpx client talking to it in-process."""

    @asynccontextmanager
    async def start(*, wait_ready: bool = True, **overrides: Any) -> AsyncIterator[RunningIngest]:
        settings = ingest_settings(**overrides)
        registry = CollectorRegistry()
        clock = ManualClock()
        app = create_app(settings, registry=registry, monotonic=clock)
        remote_addr = _random_loopback()
        transport = httpx.ASGITransport(app=app, client=(remote_addr, 40_000))
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url="http://ingest.test") as client,
        ):
            running = RunningIngest(app, client, registry, settings, remote_addr, clock)
            if wait_ready:
                await _wait_until_ready(client)
            yield running

    return start


async def _wait_until_ready(client: httpx.AsyncClient) -> None:
    deadline = asyncio.get_running_loop().time() + READY_WITHIN_SECONDS
    while True:
        response = await client.get("/readyz")
        if response.status_code == 200:
            return
        if asyncio.get_running_loop().time() > deadline:
            pytest.fail(f"ingest did not become ready: {response.json()}")
        await asyncio.sleep(0.1)


@pytest.fixture
async def issue_key(role_dsns: dict[str, str]) -> AsyncIterator[IssueKey]:
    """Issues API keys as the migration role; every key issued is revoked at the end."""
    connection = await asyncpg.connect(role_dsns["migrator"])
    issued: list[IssuedApiKey] = []

    async def issue(agency: str) -> IssuedApiKey:
        key = await create_api_key(connection, agency=agency, comment="ingest test, revoked")
        issued.append(key)
        return key

    try:
        yield issue
    finally:
        for key in issued:
            await revoke_api_key(connection, prefix=key.key_prefix)
        await connection.close()


@pytest.fixture
async def migrator(role_dsns: dict[str, str]) -> AsyncIterator[Connection]:
    """The migration role reads what ingest may only append to (the audit log)."""
    connection = await asyncpg.connect(role_dsns["migrator"])
    try:
        yield connection
    finally:
        await connection.close()


@pytest.fixture
def revoke_key(migrator: Connection) -> RevokeKey:
    """Revokes a key mid-test, as `ioc-db api-key revoke` would."""

    async def revoke(prefix: str) -> None:
        assert await revoke_api_key(migrator, prefix=prefix), f"no active key {prefix}"

    return revoke


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture
def audit_rows(migrator: Connection) -> AuditRows:
    """The audit rows of one running app, told apart by its client address."""

    async def rows(remote_addr: str) -> list[asyncpg.Record]:
        found: list[asyncpg.Record] = await migrator.fetch(
            "SELECT agency, credential, action, accepted, rejected, status_code, detail "
            "FROM ioc.audit_log WHERE remote_addr = $1 ORDER BY id",
            remote_addr,
        )
        return found

    return rows
