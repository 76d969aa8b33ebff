"""The decide flow's use case as the service builds it, on the test's own database."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import asyncpg
import pytest
from prometheus_client import CollectorRegistry

from ioc_alerts.adapters.catalog import load_alerting_catalog
from ioc_alerts.decide.evaluator import Evaluator
from ioc_alerts.lifecycle.quiet_hours import QuietHours
from ioc_alerts.lifecycle.routing import Delivery
from ioc_alerts.metrics import AlertMetrics
from ioc_storage.catalog_cache import CatalogCache

NOW = datetime.now(UTC).replace(microsecond=0)
NEVER_QUIET = QuietHours(time(0, 0), time(0, 0))


@pytest.fixture
def registry() -> CollectorRegistry:
    return CollectorRegistry()


@pytest.fixture
def evaluator(alerts_pool: asyncpg.Pool, registry: CollectorRegistry) -> Evaluator:
    return Evaluator(
        pool=alerts_pool,
        catalog=CatalogCache(alerts_pool, load_alerting_catalog, refresh_seconds=60).current,
        delivery=Delivery(webhook_enabled=True, quiet_hours=NEVER_QUIET),
        repeat_every=timedelta(hours=12),
        metrics=AlertMetrics.create(registry),
        clock=lambda: NOW,
    )
