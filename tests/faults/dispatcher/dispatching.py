"""The dispatcher under test on the real database: its notification ledger, a dispatcher
over it, waiting for a condition, and the reliability row of a fault."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

import asyncpg
import pytest
from prometheus_client import CollectorRegistry

from ioc_alerts.adapters.catalog import load_alerting_catalog
from ioc_alerts.deliver.context_builder import LinkSettings
from ioc_alerts.deliver.dispatcher import Dispatcher
from ioc_alerts.metrics import AlertMetrics
from ioc_alerts.notify.delivery import Channel
from ioc_alerts.notify.retry import RetryPolicy
from ioc_storage.catalog_cache import CatalogCache
from ioc_testing.ledger import FaultResult, record_result

LEADER = "chu-tich-ubnd"


@dataclass
class Ledger:
    pool: asyncpg.Pool
    alert_id: uuid.UUID

    async def notify(self, channel: str, *, attempts: int = 0) -> uuid.UUID:
        notification = uuid.uuid4()
        await self.pool.execute(
            "INSERT INTO ioc.notifications (id, alert_id, recipient, channel, kind, dedup_key, "
            "attempts, next_attempt_at, created_at) "
            "VALUES ($1, $2, $3, $4, 'firing', $5, $6, now() - interval '1 second', now())",
            notification,
            self.alert_id,
            None if channel == "webhook" else LEADER,
            channel,
            str(notification),
            attempts,
        )
        return notification

    async def status(self, notification: uuid.UUID) -> str:
        status: str = await self.pool.fetchval(
            "SELECT status FROM ioc.notifications WHERE id = $1", notification
        )
        return status

    async def attempts(self, notification: uuid.UUID) -> list[asyncpg.Record]:
        rows: list[asyncpg.Record] = await self.pool.fetch(
            "SELECT attempt, outcome, error, finished_at FROM ioc.notification_attempts "
            "WHERE notification_id = $1 ORDER BY attempt",
            notification,
        )
        return rows


def dispatcher(
    pool: asyncpg.Pool,
    channels: dict[str, Channel],
    *,
    deadline: float = 2.0,
    lease: float = 300.0,
    max_attempts: int = 8,
) -> Dispatcher:
    return Dispatcher(
        pool=pool,
        catalog=CatalogCache(pool, load_alerting_catalog, refresh_seconds=60).current,
        channels=channels,
        links=LinkSettings("http://127.0.0.1:1", b"k" * 32, None),
        retry=RetryPolicy(max_attempts=max_attempts),
        metrics=AlertMetrics.create(CollectorRegistry()),
        send_deadline=timedelta(seconds=deadline),
        lease=timedelta(seconds=lease),
    )


async def poll(condition: Callable[[], Awaitable[bool]], within: float = 30.0) -> None:
    deadline = time.monotonic() + within
    while not await condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


def record(
    request: pytest.FixtureRequest,
    *,
    fault: str,
    description: str,
    events: int,
    recovery_seconds: float | None,
    bound_seconds: float | None,
    note: str,
    duplicated: int = 0,
) -> None:
    record_result(
        FaultResult(
            fault=fault,
            description=description,
            test=request.node.nodeid,
            events=events,
            lost=0,
            duplicated=duplicated,
            recovery_seconds=recovery_seconds,
            bound_seconds=bound_seconds,
            note=note,
        )
    )
