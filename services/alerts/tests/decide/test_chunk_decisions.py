"""Many targets decided in one transaction on the real database: a silence keeps only the
notifications of the targets it covers, and every alert opened has its state change
published in the order the targets were decided."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time, timedelta
from typing import Any

import asyncpg
import pytest
from prometheus_client import CollectorRegistry

from ioc_alerts.adapters.catalog import load_alerting_catalog
from ioc_alerts.decide.evaluator import Evaluator
from ioc_alerts.lifecycle.quiet_hours import QuietHours
from ioc_alerts.lifecycle.routing import Delivery
from ioc_alerts.metrics import AlertMetrics
from ioc_storage.catalog_cache import CatalogCache

pytestmark = pytest.mark.connected

NOW = datetime.now(UTC).replace(microsecond=0)
# dvc.ontime-95 and its two departments' targets: at least 95% on time.
SERIES = [("dvc.ontime-rate", scope) for scope in ("province", "so-tnmt", "so-xd")]
NEVER_QUIET = QuietHours(time(0, 0), time(0, 0))


@pytest.fixture
def evaluator(alerts_pool: asyncpg.Pool) -> Evaluator:
    return Evaluator(
        pool=alerts_pool,
        catalog=CatalogCache(alerts_pool, load_alerting_catalog, refresh_seconds=60).current,
        delivery=Delivery(webhook_enabled=False, quiet_hours=NEVER_QUIET),
        repeat_every=timedelta(hours=12),
        metrics=AlertMetrics.create(CollectorRegistry()),
        clock=lambda: NOW,
    )


async def test_a_silence_holds_back_only_the_targets_it_covers(
    evaluator: Evaluator, figures: Any, alerts_pool: asyncpg.Pool
) -> None:
    for series in SERIES:
        await figures.put(
            *series, (NOW - timedelta(days=40), 96.0), (NOW - timedelta(days=1), 70.0)
        )
    # The Department of Construction's figures are being corrected: silenced for a day.
    await figures.connection.execute(
        "INSERT INTO ioc.silences (id, indicator, scope, starts_at, ends_at, created_by, comment)"
        " VALUES ($1, 'dvc.ontime-rate', 'so-xd', $2, $3, 'truc-ban-ioc', 'đang chỉnh số liệu')",
        uuid.uuid4(),
        NOW - timedelta(hours=1),
        NOW + timedelta(days=1),
    )

    evaluations = await evaluator.evaluate_series(SERIES)

    rows = await alerts_pool.fetch(
        "SELECT a.target, n.status FROM ioc.notifications n JOIN ioc.alerts a ON a.id = n.alert_id"
    )
    statuses: dict[str, set[str]] = {}
    for row in rows:
        statuses.setdefault(row["target"], set()).add(row["status"])
    assert statuses == {
        "dvc.ontime-95": {"pending"},
        "dvc.ontime-95.so-tnmt": {"pending"},
        "dvc.ontime-95.so-xd": {"suppressed"},
    }
    opened = await alerts_pool.fetch(
        "SELECT payload->>'target_id' AS target, payload->>'state' AS state"
        " FROM ioc.alert_outbox ORDER BY id"
    )
    fired = [row["target"] for row in opened if row["state"] == "firing"]
    assert fired == [e.target.code for e in evaluations if e.target.code in statuses]
