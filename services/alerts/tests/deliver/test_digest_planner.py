"""The digest follows the rules every message follows: told means delivered, silences
hold, quiet hours hold. On the real database."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, time

import asyncpg
import pytest

from ioc_alerts.adapters import alerts, notifications
from ioc_alerts.deliver.digest_planner import plan_digests
from ioc_alerts.lifecycle.quiet_hours import QuietHours
from ioc_contracts.types import VIETNAM_TIME
from ioc_storage.connection import Connection
from ioc_testing import ScratchDatabase

pytestmark = pytest.mark.connected

TOLD = "chu-tich-ubnd"
NEVER_TOLD = "pho-chu-tich-cds"
QUIET = QuietHours(time(21, 30), time(6, 30))


@pytest.fixture
async def connection(catalog_database: ScratchDatabase) -> AsyncIterator[Connection]:
    connection = await asyncpg.connect(catalog_database.dsns["alerts"])
    try:
        yield connection
    finally:
        await connection.close()


async def _alert(connection: Connection, target: str) -> uuid.UUID:
    alert_id = uuid.uuid4()
    await connection.execute(
        "INSERT INTO ioc.alerts (id, target, state, risk_status, severity, current_value, "
        "opened_at, updated_at) VALUES ($1, $2, 'firing', 'off_track', 'warning', 1.0, "
        "now(), now())",
        alert_id,
        target,
    )
    return alert_id


async def _notification(
    connection: Connection, alert_id: uuid.UUID, person: str, status: str
) -> None:
    await connection.execute(
        "INSERT INTO ioc.notifications (id, alert_id, recipient, channel, kind, status, "
        "dedup_key, next_attempt_at, created_at) "
        "VALUES ($1, $2, $3, 'email', 'firing', $4, $5, now(), now())",
        uuid.uuid4(),
        alert_id,
        person,
        status,
        f"{alert_id}:{person}:{status}",
    )


async def test_only_delivered_unsilenced_alerts_are_digested_after_quiet_hours(
    connection: Connection,
) -> None:
    targets = [r["code"] for r in await connection.fetch("SELECT code FROM ioc.targets LIMIT 3")]
    delivered, silenced, suppressed = [await _alert(connection, t) for t in targets]
    await _notification(connection, delivered, TOLD, "sent")
    await _notification(connection, silenced, TOLD, "sent")
    await _notification(connection, suppressed, NEVER_TOLD, "suppressed")
    await _notification(connection, delivered, NEVER_TOLD, "failed")
    now = datetime(2023, 7, 15, 5, 0, tzinfo=VIETNAM_TIME).astimezone(UTC)
    await connection.execute(
        "INSERT INTO ioc.silences (id, target, starts_at, ends_at, created_by, comment) "
        "VALUES ($1, $2, $3::timestamptz, $3::timestamptz + interval '2 days', 'Trực ban IOC', 'đang rà soát')",
        uuid.uuid4(),
        targets[1],
        now.replace(year=2023, month=7, day=14),
    )

    planned = await plan_digests(connection, now=now, at=time(4, 30), quiet_hours=QUIET)

    assert planned == 1
    rows = await connection.fetch(
        "SELECT recipient, next_attempt_at FROM ioc.notifications WHERE kind = 'digest'"
    )
    assert [row["recipient"] for row in rows] == [TOLD]
    # Planned at 05:00 Vietnam time, inside quiet hours: held until 06:30.
    assert rows[0]["next_attempt_at"] == datetime(2023, 7, 15, 6, 30, tzinfo=VIETNAM_TIME)
    assert await notifications.alerts_for(connection, person=TOLD, now=now) == [delivered]
    assert await notifications.alerts_for(connection, person=NEVER_TOLD, now=now) == []


async def test_someone_whose_notification_was_not_delivered_is_not_told_of_the_resolution(
    connection: Connection,
) -> None:
    target = await connection.fetchval("SELECT code FROM ioc.targets LIMIT 1")
    alert_id = await _alert(connection, target)
    await _notification(connection, alert_id, TOLD, "sent")
    await _notification(connection, alert_id, NEVER_TOLD, "suppressed")
    stored = await alerts.open_alert(connection, target)
    assert stored is not None
    assert stored.open.notified == frozenset({TOLD})
