"""Recomputing derived figures when their inputs change, and checking published ones.

For each series an aggregator batch changed: every derived figure that reads it, at each
moment the batch touched, is computed from the inputs' figures of record. A result not
yet stored (its id comes from its inputs' revisions) gets its lineage recorded, then is
published as an IndicatorEvent of the province, so the aggregator stores it as a
revision like any other and announces it with SeriesUpdated. When the changed series is
itself computed by a formula and its figure of record came from an agency, the two are
compared; beyond the formula's tolerance the figure is flagged.

Retrying is safe: ids are deterministic, lineage inserts are idempotent, and the
aggregator absorbs a republished event as a duplicate.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from ioc_catalog.derivation import DerivedFigure, DerivedIndicator, SeriesRef, derive, disagreement
from ioc_contracts import IndicatorEvent, SeriesUpdated
from ioc_derived.adapters import figures as store
from ioc_derived.domain.plan import Recompute, computed_by, plan
from ioc_derived.metrics import DerivedMetrics
from ioc_storage.connection import Connection

_log = logging.getLogger(__name__)

Publish = Callable[[IndicatorEvent], Awaitable[None]]
Formulas = Callable[[], Awaitable[Sequence[DerivedIndicator]]]


@dataclass(frozen=True, slots=True, kw_only=True)
class Deriver:
    pool: asyncpg.Pool
    formulas: Formulas
    publish: Publish
    publisher: str
    metrics: DerivedMetrics
    clock: Callable[[], datetime]

    async def on_updates(self, updates: Sequence[SeriesUpdated]) -> None:
        derived = await self.formulas()
        async with self.pool.acquire() as connection:
            for update in updates:
                series = (update.indicator, update.scope)
                moments = {update.latest_observed_at}
                moments |= await store.observed_moments(connection, update.event_ids)
                for job in plan(derived, series, moments):
                    await self._recompute(connection, job)
                formula = computed_by(derived, series)
                if formula is not None:
                    for moment in sorted(moments):
                        await self._check_published(connection, formula, series, moment)

    async def _recompute(self, connection: Connection, job: Recompute) -> None:
        figure = await self._derive(connection, job.indicator, job.scope, job.at)
        if figure is None:
            self.metrics.incomplete.labels(job.indicator.code).inc()
            return
        await self._compare(connection, job.indicator, figure)
        if await store.is_stored(connection, agency=self.publisher, event_id=figure.event_id):
            self.metrics.unchanged.inc()
            return
        await store.record_lineage(connection, figure)
        await self.publish(self._event(job.indicator, figure))
        self.metrics.published.labels(figure.indicator).inc()
        _log.info(
            "derived %s for %s at %s: %g from %d inputs",
            figure.indicator,
            figure.scope,
            figure.observed_at.isoformat(),
            figure.value,
            len(figure.inputs),
        )

    async def _check_published(
        self,
        connection: Connection,
        indicator: DerivedIndicator,
        series: SeriesRef,
        moment: datetime,
    ) -> None:
        figure = await self._derive(connection, indicator, series[1], moment)
        if figure is not None:
            await self._compare(connection, indicator, figure)

    async def _compare(
        self, connection: Connection, indicator: DerivedIndicator, figure: DerivedFigure
    ) -> None:
        series = (figure.indicator, figure.scope)
        published = await store.figure_of_record(connection, series, figure.observed_at)
        if published is None or published.agency == self.publisher or published.flagged:
            return
        reason = disagreement(indicator.formula, published=published.value, derived=figure)
        if reason is None:
            return
        if await store.flag_disagreement(
            connection, published=published, derived=figure, reason=reason
        ):
            self.metrics.disagreements.labels(published.agency, figure.indicator).inc()
            _log.warning("formula disagreement: %s", reason, extra={"agency": published.agency})

    async def _derive(
        self, connection: Connection, indicator: DerivedIndicator, scope: str, at: datetime
    ) -> DerivedFigure | None:
        job = Recompute(indicator, scope, at)
        start, end = job.window()
        inputs = await store.input_figures(
            connection, indicator.inputs(scope), start=start, end=end
        )
        return derive(indicator, scope=scope, at=at, figures=inputs)

    def _event(self, indicator: DerivedIndicator, figure: DerivedFigure) -> IndicatorEvent:
        missing = f", thiếu {len(figure.missing)}" if figure.missing else ""
        return IndicatorEvent(
            event_id=figure.event_id,
            agency=self.publisher,
            indicator=figure.indicator,
            scope=figure.scope,
            observed_at=figure.observed_at,
            value=figure.value,
            numerator=figure.numerator,
            denominator=figure.denominator,
            reported_at=self.clock(),
            source="ioc-derived",
            note=f"Tính theo công thức {indicator.formula.kind.value} từ "
            f"{len(figure.inputs)} số liệu{missing}",
        )
