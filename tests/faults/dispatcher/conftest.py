"""Fixtures of the dispatcher's fault tests: misbehaving receivers, and a notification
ledger with one firing alert on a database of the test's own."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest

from ioc_testing import ScratchDatabase

from .dispatching import Ledger
from .receivers import Behaviour, Receiver, StartReceiver


@pytest.fixture
async def receivers() -> AsyncIterator[StartReceiver]:
    started: list[Receiver] = []

    async def start(behaviour: Behaviour) -> Receiver:
        receiver = Receiver(behaviour)
        receiver.server = await asyncio.start_server(receiver._serve, "127.0.0.1", 0)
        started.append(receiver)
        return receiver

    yield start
    for receiver in started:
        for task in list(receiver.handlers):
            task.cancel()
        assert receiver.server is not None
        receiver.server.close()


@pytest.fixture
async def notifications(catalog_database: ScratchDatabase) -> AsyncIterator[Ledger]:
    pool = await asyncpg.create_pool(catalog_database.dsns["alerts"], min_size=1, max_size=8)
    try:
        target = await pool.fetchval("SELECT code FROM ioc.targets ORDER BY code LIMIT 1")
        alert_id = uuid.uuid4()
        await pool.execute(
            "INSERT INTO ioc.alerts (id, target, state, risk_status, severity, current_value, "
            "opened_at, updated_at) VALUES ($1, $2, 'firing', 'off_track', 'critical', 40.0, "
            "now(), now())",
            alert_id,
            target,
        )
        yield Ledger(pool, alert_id)
    finally:
        await pool.close()
