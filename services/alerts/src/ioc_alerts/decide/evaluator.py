"""Evaluates targets and records what follows: the use case behind both triggers.

Triggered by `ioc.series-updated` for the series that changed, and by a schedule
for all targets, because time passing alone moves a deadline target toward risk
and a silent series toward stale. Either way targets are taken a chunk at a time
(`reading.chunks`): the chunk's figures read in a few statements, judged in the domain,
and its statuses and decisions written in one transaction.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg

from ioc_alerts.adapters import alerts
from ioc_alerts.adapters.catalog import AlertingCatalog
from ioc_alerts.decide.reading import Chunk, SeriesTargets, by_series, chunks
from ioc_alerts.domain.evaluation import TargetEvaluation, evaluate_all
from ioc_alerts.domain.retired import on_retired_scopes
from ioc_alerts.domain.series import SERIES_HISTORY, Series
from ioc_alerts.lifecycle.decisions import Action, Decision, decide
from ioc_alerts.lifecycle.routing import Delivery
from ioc_alerts.metrics import AlertMetrics
from ioc_contracts.catalog import TargetKind
from ioc_contracts.status import RiskStatus

log = logging.getLogger(__name__)

_Read = tuple[Chunk, dict[str, Series], dict[str, RiskStatus]]
"""A chunk with its series and the statuses recorded for its targets last time."""


def _judge(
    catalog: AlertingCatalog,
    chunk: Chunk,
    series: dict[str, Series],
    previous: dict[str, RiskStatus],
    *,
    now: datetime,
) -> list[TargetEvaluation]:
    evaluations = evaluate_all(chunk.targets, catalog.indicators, series, previous, now=now)
    return on_retired_scopes(evaluations, catalog.scopes, now=now)


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
        # The targets of each series, for the catalog they were indexed from.
        self._indexed: tuple[AlertingCatalog, SeriesTargets] | None = None

    async def evaluate_series(self, series: Iterable[tuple[str, str]]) -> list[TargetEvaluation]:
        catalog = await self.catalog()
        everything = self._targets_by_series(catalog)
        named = {key: everything[key] for key in dict.fromkeys(series) if key in everything}
        return await self._evaluate(catalog, named)

    async def evaluate_everything(self) -> list[TargetEvaluation]:
        catalog = await self.catalog()
        return await self._evaluate(catalog, self._targets_by_series(catalog), whole=True)

    def _targets_by_series(self, catalog: AlertingCatalog) -> SeriesTargets:
        # A SeriesUpdated names a few series out of tens of thousands of targets, and the
        # schedule judges them all every minute: grouped once, until the catalog cache
        # hands out a new catalog.
        if self._indexed is None or self._indexed[0] is not catalog:
            self._indexed = (catalog, by_series(catalog.targets.values()))
        return self._indexed[1]

    async def _evaluate(
        self, catalog: AlertingCatalog, targets: SeriesTargets, *, whole: bool = False
    ) -> list[TargetEvaluation]:
        if not targets:
            return []
        async with self._lock:
            now = self.clock()
            planned = chunks(targets, catalog.indicators, now=now)
            evaluations: list[TargetEvaluation] = []
            # Three chunks at a time: the database reads the next one and writes the
            # last one while this one is judged in a thread; writes stay in order.
            reading = self._start_reading(planned, now)
            recording: asyncio.Task[None] | None = None
            try:
                while reading is not None:
                    chunk, series, previous = await reading
                    reading = self._start_reading(planned, now)
                    judged = await asyncio.to_thread(
                        _judge, catalog, chunk, series, previous, now=now
                    )
                    if recording is not None:
                        await recording
                    recording = asyncio.create_task(self._record(catalog, judged, now))
                    evaluations.extend(judged)
                if recording is not None:
                    await recording
                if whole:
                    # Only once every chunk is recorded: a pass that failed half way
                    # does not vouch for the targets it never reached.
                    async with self.pool.acquire() as connection:
                        await alerts.record_whole_pass(connection, now)
            finally:
                for task in (reading, recording):
                    if task is not None and not task.done():
                        task.cancel()
            return evaluations

    def _start_reading(self, planned: Iterator[Chunk], now: datetime) -> asyncio.Task[_Read] | None:
        chunk = next(planned, None)
        return None if chunk is None else asyncio.create_task(self._read(chunk, now))

    async def _read(self, chunk: Chunk, now: datetime) -> _Read:
        async with self.pool.acquire() as connection:
            series = await alerts.load_judged_series(
                connection, chunk.reads, until=now, oldest=now - SERIES_HISTORY
            )
            codes = (t.code for t in chunk.targets)
            return chunk, series, await alerts.previous_statuses(connection, codes)

    async def _record(
        self, catalog: AlertingCatalog, evaluations: list[TargetEvaluation], now: datetime
    ) -> None:
        codes = [evaluation.target.code for evaluation in evaluations]
        async with self.pool.acquire() as connection, connection.transaction():
            await alerts.lock_targets(connection, codes)
            stored = await alerts.open_alerts(connection, codes)
            decided = [
                alerts.Decided(e, stored.get(e.target.code), self._decide(catalog, e, stored, now))
                for e in evaluations
            ]
            await alerts.record_statuses(connection, evaluations, now)
            await alerts.apply_decisions(
                connection,
                decided,
                recipients=catalog.recipients,
                delivery=self.delivery,
                now=now,
            )
        self.metrics.evaluations.inc(len(evaluations))
        for item in decided:
            if item.changes_something:
                self._report(item.evaluation, item.decision)

    def _decide(
        self,
        catalog: AlertingCatalog,
        evaluation: TargetEvaluation,
        stored: dict[str, alerts.StoredAlert],
        now: datetime,
    ) -> Decision:
        code = evaluation.target.code
        alert = stored.get(code)
        if alert is None and never_reported(evaluation):
            # A series that has never reported is shown as stale on the dashboards;
            # alerting on silence is what freshness targets are for, so a new
            # catalog does not flood leaders on its first day.
            return Decision(Action.NOTHING)
        return decide(
            evaluation.status,
            alert.open if alert else None,
            catalog.steps.get(code, ()),
            now=now,
            repeat_every=self.repeat_every,
        )

    def _report(self, evaluation: TargetEvaluation, decision: Decision) -> None:
        self.metrics.decisions.labels(decision.action.value).inc()
        log.info(
            "alert decision",
            extra={
                "target": evaluation.target.code,
                "status": evaluation.status.value,
                "action": decision.action.value,
                "notifications": [n.kind.value for n in decision.notifications],
            },
        )
