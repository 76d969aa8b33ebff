"""What a renewed-token test works with: a local Zalo, the token store of two replicas
over one database, a clock the test moves, and a message to send."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg

from ioc_alerts.notify.delivery import DeliveryResult, OutgoingMessage
from ioc_alerts.notify.zalo import ZaloChannel
from ioc_contracts.catalog import Recipient

from .stand_in import SEED, WAIT_SECONDS, ZaloStandIn

START = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
MakeChannel = Callable[..., ZaloChannel]


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@dataclass
class ZaloScene:
    zalo: ZaloStandIn
    server: Any
    """The local HTTP server playing Zalo: its `base_url` and the `requests` it received."""
    pools: list[asyncpg.Pool]
    """Two pools of the alerts role over one migrated database: two replicas' worth."""
    clock: Clock
    make_channel: MakeChannel
    leader: Recipient
    outgoing: Callable[..., OutgoingMessage]

    def channel(self, replica: int = 0, *, seed: str | None = SEED) -> ZaloChannel:
        """A Zalo channel of one replica, started with `seed` as its configured token."""
        return self.make_channel(self.pools[replica], self.server.base_url, seed=seed)

    async def send(self, channel: ZaloChannel) -> DeliveryResult:
        return await channel.send(self.leader, self.outgoing())

    async def stored(self) -> asyncpg.Record:
        """The token row the replicas share."""
        row = await self.pools[0].fetchrow(
            "SELECT * FROM ioc.channel_tokens WHERE channel = 'zalo'"
        )
        assert row is not None
        return row


async def until(condition: Callable[[], Awaitable[bool]]) -> None:
    deadline = asyncio.get_running_loop().time() + WAIT_SECONDS
    while not await condition():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)
