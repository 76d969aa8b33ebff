"""Derived indicators: which series a formula reads, and the figure it gives, with lineage.

Pure: the caller reads the input figures of record and stores what comes out. A derived
figure names every input figure (agency and event_id) it came from; its event_id is
derived from those, so recomputing from the same inputs gives the same id (a duplicate,
absorbed) and a revised input gives a new one (a revision of the derived figure).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from ioc_catalog.calendar import period_containing
from ioc_catalog.scopes import EMPTY_HISTORY, ScopeHistory
from ioc_contracts.catalog import (
    AgencyKind,
    Alignment,
    Cadence,
    Catalog,
    Formula,
    FormulaKind,
    MissingInputs,
    ScopeWord,
    Unit,
)

# The check name a disagreement with the formula is flagged under, beside the catalog's.
FORMULA_MISMATCH = "formula_mismatch"
# Fixed forever: changing it would give every derived figure a new id (a revision each).
DERIVED_EVENT_NAMESPACE = uuid.UUID("0b9e3f62-4c1d-4d8a-a0f7-6a2e5c9d8b13")
_RATIO_SCALE = {Unit.PERCENT: 100.0, Unit.RATIO: 1.0}

SeriesRef = tuple[str, str]
"""(indicator, scope): one series."""


@dataclass(frozen=True, slots=True)
class InputFigure:
    """A figure of record read as an input, with what identifies its revision."""

    indicator: str
    scope: str
    observed_at: datetime
    value: float
    numerator: float | None
    denominator: float | None
    agency: str
    event_id: uuid.UUID

    @property
    def series(self) -> SeriesRef:
        return (self.indicator, self.scope)


@dataclass(frozen=True, slots=True)
class DerivedIndicator:
    """What the catalog says about one derived indicator, with its child scopes resolved."""

    code: str
    unit: Unit
    cadence: Cadence
    formula: Formula
    children: tuple[str, ...] = ()
    scopes: ScopeHistory = field(default=EMPTY_HISTORY, compare=False, repr=False)

    def inputs(self, scope: str, at: datetime | None = None) -> tuple[SeriesRef, ...]:
        """The series the figure of `scope` is computed from: at `at`, only the child
        scopes that exist then (the map valid at the figure's time); without `at`, every
        child the formula ever reads."""
        if self.formula.kind is FormulaKind.WEIGHTED_SUM:
            return tuple((term.indicator, scope) for term in self.formula.terms)
        [term] = self.formula.terms
        children = self.children
        if at is not None:
            children = tuple(child for child in children if self.scopes.valid_at(child, at))
        return tuple((term.indicator, child) for child in children)

    def map_moment(self, at: datetime) -> datetime:
        """When the map is read for the figure at `at`: that instant, or for period
        alignment the period's last instant (the figure stands for the period as it
        closes, so a district merged mid-period counts as its successor)."""
        if self.formula.alignment is Alignment.SAME_INSTANT:
            return at
        return period_of(self.cadence, at)[1] - timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class DerivedFigure:
    indicator: str
    scope: str
    observed_at: datetime
    value: float
    numerator: float | None
    denominator: float | None
    inputs: tuple[InputFigure, ...]
    missing: tuple[SeriesRef, ...]

    @property
    def event_id(self) -> uuid.UUID:
        parts = [self.indicator, self.scope, self.observed_at.astimezone(UTC).isoformat()]
        parts += sorted(f"{figure.agency}/{figure.event_id}" for figure in self.inputs)
        return uuid.uuid5(DERIVED_EVENT_NAMESPACE, "|".join(parts))


def derived_indicators(catalog: Catalog) -> tuple[DerivedIndicator, ...]:
    """Every indicator with a formula, its `over` words resolved to agency codes (every
    scope of that kind that ever exists; `inputs` keeps those valid at a time)."""
    groups = {
        ScopeWord.DISTRICTS.value: tuple(
            a.code for a in catalog.agencies if a.kind is AgencyKind.DISTRICT
        ),
        ScopeWord.DEPARTMENTS.value: tuple(
            a.code for a in catalog.agencies if a.kind is AgencyKind.DEPARTMENT
        ),
    }
    history = ScopeHistory.from_catalog(catalog)
    return tuple(
        resolve(
            indicator.code,
            indicator.unit,
            indicator.cadence,
            indicator.formula,
            groups,
            scopes=history,
        )
        for indicator in catalog.indicators
        if indicator.formula is not None
    )


def resolve(
    code: str,
    unit: Unit,
    cadence: Cadence,
    formula: Formula,
    groups: Mapping[str, Sequence[str]],
    *,
    scopes: ScopeHistory = EMPTY_HISTORY,
) -> DerivedIndicator:
    """One derived indicator, its `over` words ("districts") replaced by `groups`' codes."""
    children: list[str] = []
    for word in formula.over:
        children += groups.get(word, (word,))
    return DerivedIndicator(
        code, unit, cadence, formula, tuple(dict.fromkeys(children)), scopes=scopes
    )


def affected(derived: Iterable[DerivedIndicator], series: SeriesRef) -> list[SeriesRef]:
    """The derived series that read `series`: what to recompute when it changes."""
    return [
        (indicator.code, scope)
        for indicator in derived
        for scope in indicator.formula.scopes
        if series in indicator.inputs(scope)
    ]


def period_of(cadence: Cadence, moment: datetime) -> tuple[datetime, datetime]:
    """The cadence period holding `moment`, in Vietnam's calendar: [start, end)."""
    period = period_containing(cadence, 0, moment)
    return period.start, period.end


def derive(
    indicator: DerivedIndicator,
    *,
    scope: str,
    at: datetime,
    figures: Mapping[SeriesRef, Sequence[InputFigure]],
) -> DerivedFigure | None:
    """The derived figure of (`indicator`, `scope`) for the moment `at`, or None when the
    formula's rule for missing inputs says there is none.

    `figures` holds the input series' figures of record around `at` (at least the
    period holding it, for period alignment).
    """
    formula = indicator.formula
    wanted = indicator.inputs(scope, indicator.map_moment(at))
    chosen: dict[SeriesRef, InputFigure] = {}
    for series in wanted:
        figure = _aligned(formula, indicator.cadence, at, figures.get(series, ()))
        if figure is not None and _usable(formula, figure):
            chosen[series] = figure
    missing = tuple(series for series in wanted if series not in chosen)
    if not chosen or (missing and formula.missing is MissingInputs.REQUIRE_ALL):
        return None
    inputs = tuple(chosen.values())
    observed_at = (
        at
        if formula.alignment is Alignment.SAME_INSTANT
        else max(figure.observed_at for figure in inputs)
    )
    numerator = denominator = None
    if formula.kind is FormulaKind.WEIGHTED_SUM:
        weights = {term.indicator: term.weight for term in formula.terms}
        value = sum(weights[figure.indicator] * figure.value for figure in inputs)
    elif formula.kind is FormulaKind.SUM_OVER_SCOPES:
        value = sum(figure.value for figure in inputs)
    else:
        numerator = sum(figure.numerator or 0.0 for figure in inputs)
        denominator = sum(figure.denominator or 0.0 for figure in inputs)
        if denominator == 0:
            return None
        value = numerator / denominator * _RATIO_SCALE.get(indicator.unit, 1.0)
    return DerivedFigure(
        indicator.code, scope, observed_at, value, numerator, denominator, inputs, missing
    )


def disagreement(formula: Formula, *, published: float, derived: DerivedFigure) -> str | None:
    """Why a figure an agency published disagrees with its formula, or None (Vietnamese
    first, then English)."""
    gap = abs(published - derived.value)
    if gap <= formula.tolerance:
        return None
    parts = ", ".join(f"{f.indicator}@{f.scope}={f.value:g}" for f in derived.inputs)
    return (
        f"số liệu công bố {published:g} lệch {gap:g} so với công thức ({derived.value:g} từ "
        f"{parts}; dung sai {formula.tolerance:g}) / the published {published:g} differs by "
        f"{gap:g} from its formula ({derived.value:g} from {parts}; tolerance "
        f"{formula.tolerance:g})"
    )


def _aligned(
    formula: Formula, cadence: Cadence, at: datetime, figures: Sequence[InputFigure]
) -> InputFigure | None:
    if formula.alignment is Alignment.SAME_INSTANT:
        return next((figure for figure in figures if figure.observed_at == at), None)
    start, end = period_of(cadence, at)
    within = [figure for figure in figures if start <= figure.observed_at < end]
    return max(within, key=lambda figure: figure.observed_at, default=None)


def _usable(formula: Formula, figure: InputFigure) -> bool:
    # A ratio of sums needs both parts of every rate it sums; a bare rate cannot be summed.
    if formula.kind is FormulaKind.RATIO_OF_SUMS:
        return figure.numerator is not None and figure.denominator is not None
    return True
