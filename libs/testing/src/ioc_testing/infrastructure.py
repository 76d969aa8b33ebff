"""Fixtures for the real Kafka and TimescaleDB, registered for every package's tests.

`./dev up` (or `./dev test`) starts both and writes their settings to
`.local/ioc.env`; connected tests read that file and fail with a clear message
when the infrastructure is not running, rather than passing against a fake.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest
from pydantic import SecretStr

from ioc_runtime.env_file import read_env_file
from ioc_storage.bootstrap import ensure_roles
from ioc_storage.connection import Connection

ROLES = ("migrator", "writer", "ingest", "alerts", "reader", "derived")
# Roles added after a machine's secrets were written: a test session still needs them
# before `./dev` runs again (which adds their passwords and bootstraps them).
LATER_ROLES = ("derived",)

# Property tests check what holds, not how fast: Hypothesis's 200 ms deadline and its
# "too slow" health check fail a test whenever the machine is busy (CI runs everything,
# Kafka and PostgreSQL included, on two cores), so neither applies here.
HYPOTHESIS_PROFILE = "ioc"


def pytest_configure(config: pytest.Config) -> None:
    """Loads the `ioc` Hypothesis profile unless one was chosen (--hypothesis-profile,
    or Hypothesis's own `ci` profile, loaded when it detects a CI environment)."""
    try:
        from hypothesis import HealthCheck, settings
    except ImportError:  # pragma: no cover - a package tested without Hypothesis
        return
    settings.register_profile(
        HYPOTHESIS_PROFILE, deadline=None, suppress_health_check=[HealthCheck.too_slow]
    )
    chosen = config.getoption("--hypothesis-profile", default=None)
    if not chosen and settings.get_current_profile_name() == "default":
        settings.load_profile(HYPOTHESIS_PROFILE)


def _read_env_file(root: Path) -> dict[str, str]:
    env_file = Path(os.environ.get("IOC_ENV_FILE", root / ".local" / "ioc.env"))
    if not env_file.exists():
        pytest.fail(
            f"{env_file} is missing: start the infrastructure with './dev up' first",
            pytrace=False,
        )
    return read_env_file(env_file)


@pytest.fixture(scope="session")
def ioc_env(pytestconfig: pytest.Config) -> dict[str, str]:
    return {
        **_read_env_file(pytestconfig.rootpath),
        **{k: v for k, v in os.environ.items() if k.startswith("IOC_")},
    }


@pytest.fixture(scope="session")
def kafka_bootstrap(ioc_env: dict[str, str]) -> str:
    return ioc_env["IOC_KAFKA_BOOTSTRAP_SERVERS"]


@pytest.fixture(scope="session")
def role_dsns(ioc_env: dict[str, str]) -> dict[str, str]:
    """DSN of each service role for the main `ioc` database."""
    dsns = {}
    for role in ROLES:
        dsn = ioc_env.get(f"IOC_DATABASE_URL_{role.upper()}")
        if dsn is None and role in LATER_ROLES:
            dsn = _stand_in_dsn(ioc_env, role)
        dsns[role] = dsn or ioc_env[f"IOC_DATABASE_URL_{role.upper()}"]
    return dsns


def _stand_in_dsn(ioc_env: dict[str, str], role: str) -> str:
    # The same on every session of this machine (derived from its superuser's DSN), so
    # concurrent sessions that create or reset the role never lock each other out.
    seed = f"{ioc_env['IOC_DB_SUPERUSER_URL']}|ioc_{role}".encode()
    password = hashlib.sha256(seed).hexdigest()[:32]
    writer = ioc_env["IOC_DATABASE_URL_WRITER"]
    host_and_database = writer.split("@", 1)[1]
    return f"postgresql://ioc_{role}:{password}@{host_and_database}"


async def _ensure_later_roles(server: Connection, role_dsns: dict[str, str]) -> None:
    """Creates a later role missing from the cluster, with its DSN's password."""
    for role in LATER_ROLES:
        name = f"ioc_{role}"
        if await server.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", name):
            continue
        password = role_dsns[role].split("://", 1)[1].split("@", 1)[0].split(":", 1)[1]
        # Another session may create it at the same moment.
        with contextlib.suppress(asyncpg.DuplicateObjectError, asyncpg.UniqueViolationError):
            await ensure_roles(server, {name: SecretStr(password)})


@pytest.fixture(scope="session")
def superuser_dsn(ioc_env: dict[str, str]) -> str:
    return ioc_env["IOC_DB_SUPERUSER_URL"]


@dataclass(frozen=True)
class ScratchDatabase:
    """A database of its own for one test, with the roles' DSNs pointing at it."""

    name: str
    dsns: dict[str, str]


def _with_database(dsn: str, name: str) -> str:
    base, _, _ = dsn.rpartition("/")
    return f"{base}/{name}"


@pytest.fixture
async def scratch_database(
    superuser_dsn: str, role_dsns: dict[str, str]
) -> AsyncIterator[ScratchDatabase]:
    """An empty database owned by the migration role, with TimescaleDB, dropped after."""
    name = f"ioc_test_{uuid.uuid4().hex[:12]}"
    server = await asyncpg.connect(superuser_dsn)
    try:
        await _ensure_later_roles(server, role_dsns)
        await server.execute(f'CREATE DATABASE "{name}" OWNER ioc_migrator TEMPLATE template0')
        for role in ROLES:
            await server.execute(f'GRANT CONNECT ON DATABASE "{name}" TO ioc_{role}')
    finally:
        await server.close()
    database = await asyncpg.connect(superuser_dsn, database=name)
    try:
        await database.execute("CREATE EXTENSION timescaledb")
    finally:
        await database.close()
    try:
        yield ScratchDatabase(
            name, {role: _with_database(dsn, name) for role, dsn in role_dsns.items()}
        )
    finally:
        # A new connection: the test may have restarted the server meanwhile.
        server = await asyncpg.connect(superuser_dsn)
        try:
            await server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await server.close()


@pytest.fixture
def unique_name(request: pytest.FixtureRequest) -> str:
    """A name no other test uses: for topics, consumer groups and the like."""
    test = request.node.name.replace("[", "-").replace("]", "")[:40]
    return f"test.{test}.{uuid.uuid4().hex[:8]}"
