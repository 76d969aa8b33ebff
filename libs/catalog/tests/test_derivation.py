"""Derived indicators: the catalog's formulas, their inputs, and the figures they give."""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest

from ioc_catalog.derivation import (
    DerivedIndicator,
    InputFigure,
    affected,
    derive,
    derived_indicators,
    disagreement,
    period_of,
)
from ioc_catalog.loader import load_catalog
from ioc_catalog.validation import validate_catalog
from ioc_contracts.catalog import Cadence, Formula, Unit
from ioc_contracts.types import VIETNAM_TIME

DAY = datetime(2023, 6, 30, 17, tzinfo=VIETNAM_TIME)
GROUPS = ("transparency", "progress", "digitisation", "online-service", "satisfaction")


def figure(
    indicator: str,
    scope: str,
    value: float,
    *,
    at: datetime = DAY,
    numerator: float | None = None,
    denominator: float | None = None,
) -> InputFigure:
    return InputFigure(indicator, scope, at, value, numerator, denominator, "vp-ubnd", uuid.uuid4())


@pytest.fixture(scope="module")
def catalog_derived() -> dict[str, DerivedIndicator]:
    return {indicator.code: indicator for indicator in derived_indicators(load_catalog())}


def test_the_766_total_is_the_sum_of_its_five_groups(
    catalog_derived: dict[str, DerivedIndicator],
) -> None:
    total = catalog_derived["service-index.total"]
    scores = dict(zip(GROUPS, (15.5, 18.0, 20.25, 19.0, 16.0), strict=True))
    inputs = {
        (f"service-index.{group}", "province"): [figure(f"service-index.{group}", "province", v)]
        for group, v in scores.items()
    }
    derived = derive(total, scope="province", at=DAY, figures=inputs)
    assert derived is not None
    assert derived.value == pytest.approx(88.75)
    assert {f.indicator for f in derived.inputs} == {f"service-index.{g}" for g in GROUPS}
    # One group missing: a total of parts must be whole, so there is none.
    del inputs[("service-index.satisfaction", "province")]
    assert derive(total, scope="province", at=DAY, figures=inputs) is None


def test_a_revised_input_gives_a_new_id_and_the_same_inputs_the_same_id(
    catalog_derived: dict[str, DerivedIndicator],
) -> None:
    received = catalog_derived["dvc.dossiers-received"]
    online = figure("dvc.dossiers-received-online", "province", 159_463)
    offline = figure("dvc.dossiers-received-offline", "province", 151_323)
    inputs = {online.series: [online], offline.series: [offline]}
    first = derive(received, scope="province", at=DAY, figures=inputs)
    again = derive(received, scope="province", at=DAY, figures=inputs)
    revised = figure("dvc.dossiers-received-offline", "province", 151_400)
    later = derive(
        received, scope="province", at=DAY, figures={**inputs, revised.series: [revised]}
    )
    assert first is not None
    assert again is not None
    assert later is not None
    assert first.value == 310_786
    assert first.event_id == again.event_id
    assert later.event_id != first.event_id
    assert later.value == 310_863


def test_a_province_rate_is_the_ratio_of_summed_parts_not_the_mean_of_rates(
    catalog_derived: dict[str, DerivedIndicator],
) -> None:
    rate = catalog_derived["da06.eid-level2-collected-rate"]
    assert len(rate.children) == 9
    week = datetime(2023, 3, 16, tzinfo=VIETNAM_TIME)
    inputs = {
        (rate.code, child): [
            figure(
                rate.code,
                child,
                0.0,
                at=week,
                numerator=900.0 if index == 0 else 10.0,
                denominator=1000.0 if index == 0 else 100.0,
            )
        ]
        for index, child in enumerate(rate.children)
    }
    derived = derive(rate, scope="province", at=week, figures=inputs)
    assert derived is not None
    assert (derived.numerator, derived.denominator) == (980.0, 1800.0)
    assert derived.value == pytest.approx(980 / 1800 * 100)


def test_period_alignment_takes_each_inputs_latest_figure_of_the_week(
    catalog_derived: dict[str, DerivedIndicator],
) -> None:
    approved = catalog_derived["da06.eid-level2-approved"]
    monday, thursday = (datetime(2023, 3, d, 9, tzinfo=VIETNAM_TIME) for d in (13, 16))
    inputs = {
        (approved.code, child): [
            figure(approved.code, child, 1.0, at=monday),
            figure(approved.code, child, 2.0, at=thursday),
        ]
        for child in approved.children
    }
    derived = derive(approved, scope="province", at=monday, figures=inputs)
    assert derived is not None
    assert (derived.value, derived.observed_at) == (18.0, thursday)


def test_partial_inputs_are_computed_with_the_missing_named() -> None:
    formula = Formula.model_validate(
        {
            "kind": "sum_over_scopes",
            "terms": [{"indicator": "test.parts"}],
            "over": ["a", "b"],
            "missing": "partial",
        }
    )
    indicator = DerivedIndicator("test.parts", Unit.COUNT, Cadence.DAILY, formula, ("a", "b"))
    derived = derive(
        indicator,
        scope="province",
        at=DAY,
        figures={("test.parts", "a"): [figure("test.parts", "a", 4)]},
    )
    assert derived is not None
    assert (derived.value, derived.missing) == (4.0, (("test.parts", "b"),))


def test_an_input_change_names_the_derived_series_to_recompute(
    catalog_derived: dict[str, DerivedIndicator],
) -> None:
    every = catalog_derived.values()
    assert affected(every, ("service-index.progress", "province")) == [
        ("service-index.total", "province")
    ]
    district = catalog_derived["da06.eid-level2-approved"].children[0]
    assert affected(every, ("da06.eid-level2-approved", district)) == [
        ("da06.eid-level2-approved", "province")
    ]
    assert affected(every, ("service-index.progress", "so-tttt")) == []


def test_a_published_total_far_from_its_parts_is_a_disagreement(
    catalog_derived: dict[str, DerivedIndicator],
) -> None:
    received = catalog_derived["dvc.dossiers-received"]
    online = figure("dvc.dossiers-received-online", "province", 159_463)
    offline = figure("dvc.dossiers-received-offline", "province", 151_323)
    derived = derive(
        received,
        scope="province",
        at=DAY,
        figures={online.series: [online], offline.series: [offline]},
    )
    assert derived is not None
    assert disagreement(received.formula, published=310_786, derived=derived) is None
    reason = disagreement(received.formula, published=300_000, derived=derived)
    assert reason is not None
    assert reason.startswith("số liệu công bố 300000 lệch 10786 so với công thức")


def test_periods_follow_vietnams_calendar() -> None:
    late_utc = datetime(2023, 6, 30, 18, tzinfo=VIETNAM_TIME).astimezone(VIETNAM_TIME)
    start, end = period_of(Cadence.MONTHLY, late_utc)
    assert (start.isoformat(), end.isoformat()) == (
        "2023-06-01T00:00:00+07:00",
        "2023-07-01T00:00:00+07:00",
    )
    start, end = period_of(Cadence.QUARTERLY, datetime(2023, 12, 31, tzinfo=VIETNAM_TIME))
    assert (start.month, end.year, end.month) == (10, 2024, 1)


@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        (
            {"kind": "weighted_sum", "terms": [{"indicator": "no.such"}]},
            "formula reads unknown indicator 'no.such'",
        ),
        (
            {
                "kind": "sum_over_scopes",
                "terms": [{"indicator": "dvc.dossiers-received"}],
                "over": ["districts", "province"],
            },
            "formula computes a scope it also sums over",
        ),
        (
            {
                "kind": "ratio_of_sums",
                "terms": [{"indicator": "dvc.dossiers-received"}],
                "over": ["districts"],
            },
            "a ratio_of_sums formula gives a percent or a ratio, not 'count'",
        ),
        (
            {"kind": "weighted_sum", "terms": [{"indicator": "service-index.total"}]},
            "formula reads itself through other derived indicators",
        ),
        (
            {
                "kind": "weighted_sum",
                "terms": [{"indicator": "service-index.total"}],
                "scopes": ["so-tttt"],
            },
            "formula computes scope 'so-tttt', which the province agency is not granted",
        ),
    ],
)
def test_formulas_are_checked_against_the_catalog(
    formula: dict[str, object], expected: str
) -> None:
    catalog = load_catalog()
    indicators = tuple(
        entry.model_copy(update={"formula": Formula.model_validate(formula)})
        if entry.code == "service-index.progress"
        or (entry.code == "dvc.dossiers-received" and formula["kind"] != "weighted_sum")
        else entry
        for entry in catalog.indicators
    )
    problems = validate_catalog(catalog.model_copy(update={"indicators": indicators}))
    assert any(expected in str(problem) for problem in problems), problems
