"""Fixtures of the renewed-token tests: the token store over a database of the test's own,
Zalo channels on it, and the scene that ties them to a local Zalo."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import asyncpg
import pytest
from pydantic import SecretStr

from ioc_alerts.notify.delivery import OutgoingMessage
from ioc_alerts.notify.zalo import ZaloChannel, ZaloSettings
from ioc_alerts.notify.zalo_oauth import ZaloAppSettings
from ioc_alerts.notify.zalo_tokens import StoredZaloTokens
from ioc_contracts.catalog import Recipient
from ioc_storage.migrate import apply_migrations, shipped_migrations
from ioc_testing import ScratchDatabase

from .scene import Clock, MakeChannel, ZaloScene
from .stand_in import APP_ID, APP_SECRET, SEED, WAIT_SECONDS, ZaloStandIn


@pytest.fixture
async def token_pools(scratch_database: ScratchDatabase) -> AsyncIterator[list[asyncpg.Pool]]:
    """Two pools of the alerts role over one migrated database: two replicas' worth."""
    migrator = await asyncpg.connect(scratch_database.dsns["migrator"])
    try:
        await apply_migrations(migrator, shipped_migrations())
    finally:
        await migrator.close()
    pools = [
        await asyncpg.create_pool(scratch_database.dsns["alerts"], min_size=0, max_size=2)
        for _ in range(2)
    ]
    yield pools
    for pool in pools:
        await pool.close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def make_channel(clock: Clock) -> AsyncIterator[MakeChannel]:
    opened: list[ZaloChannel] = []

    def make(pool: asyncpg.Pool, base_url: str, *, seed: str | None = SEED) -> ZaloChannel:
        app = ZaloAppSettings(
            app_id=APP_ID,
            app_secret=SecretStr(APP_SECRET),
            refresh_token=SecretStr(seed) if seed is not None else None,
            oauth_base_url=base_url,
        )
        tokens = StoredZaloTokens(pool, app, clock=clock, timeout_seconds=WAIT_SECONDS)
        channel = ZaloChannel(ZaloSettings(base_url=base_url, timeout_seconds=5), tokens=tokens)
        opened.append(channel)
        return channel

    yield make
    for channel in opened:
        await channel.aclose()


@pytest.fixture
def scene(
    http_server: Callable[..., Any],
    token_pools: list[asyncpg.Pool],
    make_channel: MakeChannel,
    clock: Clock,
    leader: Recipient,
    outgoing: Callable[..., OutgoingMessage],
) -> ZaloScene:
    """A local Zalo that knows the seed refresh token, and an empty token store."""
    zalo = ZaloStandIn({SEED})
    return ZaloScene(zalo, http_server(zalo), token_pools, clock, make_channel, leader, outgoing)
