"""Evaluates targets and records what follows: the use case behind both triggers.

Triggered by `ioc.series-updated` for the series that changed, and by a schedule
for all targets, because time passing alone moves a deadline target toward risk
and a silent series toward stale.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg

from ioc_alerts.adapters import alerts
from ioc_alerts.adapters.catalog import AlertingCatalog
from ioc_alerts.domain.evaluation import TargetEvaluation, evaluate_all
from ioc_alerts.domain.retired import on_retired_scopes
from ioc_alerts.domain.series import SERIES_HISTORY
from ioc_alerts.lifecycle.decisions import Action, Decision, decide
from ioc_alerts.lifecycle.routing import Delivery
from ioc_alerts.metrics import AlertMetrics
from ioc_contracts.catalog import Target, TargetKind
from ioc_contracts.status import RiskStatus
from ioc_storage.connection import Connection

log = logging.getLogger(__name__)


def never_reported(evaluation: TargetEvaluation) -> bool:
    return (
        evaluation.status is RiskStatus.STALE
        and evaluation.assessment.current_value is None
        # A freshness target with its own limit in days alerts before the first figure
        # too; one following the reporting calendar leaves a series that never reported
        # to the calendar's reminders (ioc_alerts.reminders), which chase its agency
        # before and after the due day, so a new catalog does not flood the duty desk.
        and (evaluation.target.kind is not TargetKind.FRESHNESS or evaluation.target.value is None)
    )


@dataclass
class Evaluator:
    pool: asyncpg.Pool
    catalog: Callable[[], Awaitable[AlertingCatalog]]
    delivery: Delivery
    repeat_every: timedelta
    metrics: AlertMetrics
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    def __post_init__(self) -> None:
        # One pass at a time in this process; the advisory lock covers other replicas.
        self._lock = asyncio.Lock()

    async def evaluate_series(self, series: Iterable[tuple[str, str]]) -> list[TargetEvaluation]:
        catalog = await self.catalog()
        wanted = set(series)
        targets = [t for t in catalog.targets.values() if (t.indicator, t.scope) in wanted]
        return await self._evaluate(catalog, targets)

    async def evaluate_everything(self) -> list[TargetEvaluation]:
        catalog = await self.catalog()
        return await self._evaluate(catalog, list(catalog.targets.values()))

    async def _evaluate(
        self, catalog: AlertingCatalog, targets: list[Target]
    ) -> list[TargetEvaluation]:
        if not targets:
            return []
        async with self._lock:
            now = self.clock()
            async with self.pool.acquire() as connection:
                series = await alerts.load_series(
                    connection,
                    {(t.indicator, t.scope) for t in targets},
                    since=now - SERIES_HISTORY,
                    until=now,
                )
                previous = await alerts.previous_statuses(connection, (t.code for t in targets))
                evaluations = evaluate_all(targets, catalog.indicators, series, previous, now=now)
                evaluations = on_retired_scopes(evaluations, catalog.scopes, now=now)
                for evaluation in evaluations:
                    await self._record(connection, catalog, evaluation, now)
            self.metrics.evaluations.inc(len(evaluations))
            return evaluations

    async def _record(
        self,
        connection: Connection,
        catalog: AlertingCatalog,
        evaluation: TargetEvaluation,
        now: datetime,
    ) -> None:
        target = evaluation.target
        async with connection.transaction():
            await alerts.lock_target(connection, target.code)
            stored = await alerts.open_alert(connection, target.code)
            decision = decide(
                evaluation.status,
                stored.open if stored else None,
                catalog.steps.get(target.code, ()),
                now=now,
                repeat_every=self.repeat_every,
            )
            if stored is None and never_reported(evaluation):
                # A series that has never reported is shown as stale on the dashboards;
                # alerting on silence is what freshness targets are for, so a new
                # catalog does not flood leaders on its first day.
                decision = Decision(Action.NOTHING)
            await alerts.record_status(connection, evaluation, now)
            await alerts.apply_decision(
                connection,
                evaluation=evaluation,
                stored=stored,
                decision=decision,
                recipients=catalog.recipients,
                delivery=self.delivery,
                now=now,
            )
        if decision.action is not Action.NOTHING:
            self.metrics.decisions.labels(decision.action.value).inc()
            log.info(
                "alert decision",
                extra={
                    "target": target.code,
                    "status": evaluation.status.value,
                    "action": decision.action.value,
                    "notifications": [n.kind.value for n in decision.notifications],
                },
            )
