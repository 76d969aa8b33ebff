"""Which derived figures a change of a series asks for, one per period."""

from __future__ import annotations

from datetime import datetime

from ioc_catalog import load_catalog
from ioc_catalog.derivation import derived_indicators
from ioc_contracts.types import VIETNAM_TIME
from ioc_derived.domain.plan import computed_by, plan

DERIVED = derived_indicators(load_catalog())


def test_two_moments_of_one_week_are_one_recomputation() -> None:
    approved = next(d for d in DERIVED if d.code == "da06.eid-level2-approved")
    monday, friday, next_monday = (
        datetime(2023, 3, day, 9, tzinfo=VIETNAM_TIME) for day in (13, 17, 20)
    )
    jobs = plan(DERIVED, (approved.code, approved.children[0]), [monday, friday, next_monday])
    assert [(job.indicator.code, job.scope, job.window()[0].day) for job in jobs] == [
        (approved.code, "province", 13),
        (approved.code, "province", 20),
    ]


def test_same_instant_formulas_read_only_that_instant() -> None:
    moment = datetime(2023, 3, 31, tzinfo=VIETNAM_TIME)
    [job] = plan(DERIVED, ("dvc.dossiers-received-online", "province"), [moment])
    start, end = job.window()
    assert (job.indicator.code, start) == ("dvc.dossiers-received", moment)
    assert (end - start).total_seconds() < 1e-3


def test_a_series_a_formula_computes_is_known_and_others_are_not() -> None:
    formula = computed_by(DERIVED, ("service-index.total", "province"))
    assert formula is not None
    assert formula.code == "service-index.total"
    assert computed_by(DERIVED, ("service-index.total", "so-tttt")) is None
    assert plan(DERIVED, ("dvc.ontime-rate", "province"), [datetime.now(VIETNAM_TIME)]) == []
