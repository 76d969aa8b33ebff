"""The benchmark's own corner of the shared broker and database: settings, names,
a scratch database per run, topics per contender, and their removal."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import asyncpg
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.protocol.admin import DeleteGroupsRequest

from ioc_runtime.env_file import read_env_file
from ioc_testing.infrastructure import ROLES, ScratchDatabase

ROOT = Path(__file__).resolve().parents[1]


def progress(message: str) -> None:
    print(f"[{datetime.now().strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def read_env() -> dict[str, str]:
    """`.local/ioc.env` as written by `./dev up`, overridden by IOC_* variables."""
    path = Path(os.environ.get("IOC_ENV_FILE", ROOT / ".local" / "ioc.env"))
    if not path.exists():
        sys.exit(f"{path} is missing: start the infrastructure with ./dev up first")
    return read_env_file(path) | {k: v for k, v in os.environ.items() if k.startswith("IOC_")}


async def connect(dsn: str, within: float = 90.0, **options: Any) -> asyncpg.Connection:
    """asyncpg.connect, waiting while the shared server restarts (other engineers'
    fault tests restart it), up to `within` seconds."""
    deadline = time.monotonic() + within
    while True:
        try:
            connection: asyncpg.Connection = await asyncpg.connect(dsn, **options)
            return connection
        except (OSError, asyncpg.CannotConnectNowError, asyncpg.ConnectionDoesNotExistError):
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(1.0)


def with_database(dsn: str, name: str) -> str:
    return f"{dsn.rpartition('/')[0]}/{name}"


@dataclass(frozen=True)
class PeerRole:
    """The Kafka Connect sink's own login: INSERT/UPDATE on the hypertable, nothing more."""

    name: str
    password: str


async def create_database(env: dict[str, str], name: str) -> ScratchDatabase:
    server = await connect(env["IOC_DB_SUPERUSER_URL"])
    try:
        await server.execute(f'CREATE DATABASE "{name}" OWNER ioc_migrator TEMPLATE template0')
        for role in ROLES:
            await server.execute(f'GRANT CONNECT ON DATABASE "{name}" TO ioc_{role}')
    finally:
        await server.close()
    database = await connect(env["IOC_DB_SUPERUSER_URL"], database=name)
    try:
        await database.execute("CREATE EXTENSION timescaledb")
    finally:
        await database.close()
    dsns = {role: with_database(env[f"IOC_DATABASE_URL_{role.upper()}"], name) for role in ROLES}
    return ScratchDatabase(name, dsns)


async def create_peer_role(env: dict[str, str], database: str, name: str) -> PeerRole:
    role = PeerRole(name, secrets.token_hex(16))
    server = await connect(env["IOC_DB_SUPERUSER_URL"])
    try:
        await server.execute(f"CREATE ROLE \"{name}\" LOGIN PASSWORD '{role.password}'")
        await server.execute(f'GRANT CONNECT ON DATABASE "{database}" TO "{name}"')
    finally:
        await server.close()
    connection = await connect(env["IOC_DB_SUPERUSER_URL"], database=database)
    try:
        await connection.execute(f'GRANT USAGE ON SCHEMA ioc TO "{name}"')
        # Upsert = INSERT ... ON CONFLICT DO UPDATE: needs UPDATE as well as INSERT.
        await connection.execute(f'GRANT SELECT, INSERT, UPDATE ON ioc.observations TO "{name}"')
    finally:
        await connection.close()
    return role


async def drop_database(env: dict[str, str], name: str, roles: list[str]) -> None:
    server = await connect(env["IOC_DB_SUPERUSER_URL"])
    try:
        await server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        for role in roles:
            await server.execute(f'DROP ROLE IF EXISTS "{role}"')
    finally:
        await server.close()


async def truncate(env: dict[str, str], database: str) -> None:
    """Empties the ledger, the figures, the ids and the latest values between contenders."""
    connection = await connect(env["IOC_DB_SUPERUSER_URL"], database=database)
    try:
        await connection.execute(
            "TRUNCATE ioc.observations, ioc.figures, ioc.event_ids, ioc.latest_values"
        )
    finally:
        await connection.close()


@contextlib.asynccontextmanager
async def ledger_key(env: dict[str, str], database: str) -> AsyncIterator[None]:
    """A unique key on the ledger for the contenders whose idempotency is an upsert into
    it (ours registers ids in `ioc.event_ids` instead, and the shipped ledger has no such
    key); dropped after them, so no other contender pays for its upkeep."""
    connection = await connect(env["IOC_DB_SUPERUSER_URL"], database=database)
    try:
        await connection.execute(_LEDGER_KEY)
        yield
    finally:
        await connection.execute("DROP INDEX IF EXISTS ioc.bench_ledger_key")
        await connection.close()


_LEDGER_KEY = (
    "CREATE UNIQUE INDEX IF NOT EXISTS bench_ledger_key"
    " ON ioc.observations (agency, event_id, observed_at)"
)


class Topics:
    """Creates topics under one run's prefix and deletes every one of them at the end."""

    def __init__(self, bootstrap: str, prefix: str) -> None:
        self.admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
        self.prefix = prefix
        self.created: list[str] = []

    async def start(self) -> None:
        await self.admin.start()

    async def create(self, suffix: str, partitions: int) -> str:
        name = f"{self.prefix}.{suffix}"
        await self.admin.create_topics([NewTopic(name, partitions, 1)])
        self.created.append(name)
        return name

    async def delete_groups(self, run: str) -> None:
        """The run's consumer groups (ours `bench.<run>.*`, Connect's `connect-bench-<run>-*`).

        aiokafka's admin client has no delete_consumer_groups, so the DeleteGroups
        request goes to each group's coordinator through its request helper.
        """
        for group, _ in await self.admin.list_consumer_groups():
            if group.startswith((f"bench.{run}.", f"connect-bench-{run}-")):
                with contextlib.suppress(Exception):
                    node = await self.admin.find_coordinator(group)
                    await self.admin._send_request_to_node(node, DeleteGroupsRequest([group]))

    async def close(self, run: str) -> None:
        with contextlib.suppress(Exception):
            if self.created:
                await self.admin.delete_topics(self.created)
        with contextlib.suppress(Exception):
            await self.delete_groups(run)
        await self.admin.close()
