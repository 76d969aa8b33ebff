"""The alert service as the alert benchmark drives it: its public use case, nothing copied.

The one place the benchmark touches the alert service's code, so a change of its shape
(the service is being split into decide and deliver flows) is followed here alone: the
scheduled pass is `Evaluator.evaluate_everything`, the per-update path (one
SeriesUpdated → decision) is `Evaluator.evaluate_series` for that series, which is all
the subscriber does with a message.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg
from prometheus_client import CollectorRegistry

from ioc_alerts.adapters.catalog import AlertingCatalog, load_alerting_catalog
from ioc_alerts.decide.evaluator import Evaluator
from ioc_alerts.lifecycle.quiet_hours import QuietHours
from ioc_alerts.lifecycle.routing import Delivery
from ioc_alerts.metrics import AlertMetrics


@dataclass
class AlertService:
    """The decide flow of one alert service process, wired as its `main.py` does."""

    evaluator: Evaluator
    catalog: AlertingCatalog

    @classmethod
    async def start(cls, pool: asyncpg.Pool, clock: Callable[[], datetime]) -> AlertService:
        async with pool.acquire() as connection:
            catalog = await load_alerting_catalog(connection)

        async def current() -> AlertingCatalog:
            return catalog

        evaluator = Evaluator(
            pool=pool,
            catalog=current,  # loaded once, as the service's cache holds it
            delivery=Delivery(webhook_enabled=False, quiet_hours=QuietHours()),
            repeat_every=timedelta(hours=12),
            metrics=AlertMetrics.create(CollectorRegistry()),
            clock=clock,
        )
        return cls(evaluator, catalog)

    async def scheduled_pass(self) -> int:
        """Every target: load its series, evaluate, persist statuses and decisions."""
        return len(await self.evaluator.evaluate_everything())

    async def series_updated(self, series: Iterable[tuple[str, str]]) -> int:
        """What one SeriesUpdated message leads to: its series' targets decided."""
        return len(await self.evaluator.evaluate_series(series))

    def series(self) -> list[tuple[str, str]]:
        """Every series some target watches."""
        return sorted({(t.indicator, t.scope) for t in self.catalog.targets.values()})
