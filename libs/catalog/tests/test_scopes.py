"""The map through time: validity, successors, parents at a time, refusals naming the
successor, and the catalog's checks of a change's dates."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import pytest

from ioc_catalog import CatalogError, load_catalog, require_valid
from ioc_catalog.derivation import InputFigure, derive, derived_indicators
from ioc_catalog.scopes import ScopeHistory, ScopeRefusal
from ioc_contracts.catalog import AgencyKind, CarryOver, ScopeChange, ScopeChangeKind
from ioc_contracts.types import VIETNAM_TIME
from ioc_testing.reorganised import COMMUNES, MERGED, SUCCESSOR, reorganised_catalog


def _at(day: str, hour: int = 0) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=VIETNAM_TIME)


@pytest.fixture(scope="module")
def history() -> ScopeHistory:
    return ScopeHistory.from_catalog(reorganised_catalog())


def test_a_merged_district_exists_until_the_day_before_the_merge(history: ScopeHistory) -> None:
    last_evening = _at("2023-07-02", 23)
    assert all(history.valid_at(scope, last_evening) for scope in MERGED)
    assert not history.valid_at(SUCCESSOR, last_evening)
    # Midnight in Vietnam, 17:00 UTC the day before: the new map already.
    midnight = _at("2023-07-03")
    assert not any(history.valid_at(scope, midnight) for scope in MERGED)
    assert history.valid_at(SUCCESSOR, midnight)


def test_a_scope_the_map_does_not_know_is_not_judged(history: ScopeHistory) -> None:
    assert history.valid_at("no-such-scope", _at("2030-01-01"))
    assert history.check("no-such-scope", _at("2030-01-01")) is None


def test_the_successor_follows_every_later_change(history: ScopeHistory) -> None:
    assert history.successors_at("h-bac-tan-uyen", _at("2024-01-01")) == (SUCCESSOR,)
    # The merged city's level was removed in 2025: the province took over.
    assert history.successors_at("h-bac-tan-uyen", _at("2025-08-01")) == ("province",)
    assert history.successors_at("tp-di-an", _at("2024-01-01")) == ("tp-di-an",)


def test_a_commune_answers_to_the_province_once_the_district_level_is_gone(
    history: ScopeHistory,
) -> None:
    assert history.parent_at(COMMUNES[0], _at("2025-06-30", 12)) == "tp-thu-dau-mot"
    assert history.parent_at(COMMUNES[0], _at("2025-07-01")) == "province"
    assert set(COMMUNES) <= set(history.children_at("province", _at("2025-07-01")))
    assert set(COMMUNES).isdisjoint(history.children_at("province", _at("2025-06-30")))


def test_the_province_s_district_children_before_and_after_the_merge(
    history: ScopeHistory,
) -> None:
    def districts(at: datetime) -> set[str]:
        children = history.children_at("province", at)
        return {c for c in children if (s := history.span(c)) and s.level is AgencyKind.DISTRICT}

    before, after = districts(_at("2023-07-02")), districts(_at("2023-07-03"))
    assert len(before) == 9
    assert set(MERGED) <= before
    assert after == (before - set(MERGED)) | {SUCCESSOR}
    assert districts(_at("2025-07-01")) == set()


def test_a_late_figure_of_a_retired_scope_is_refused_naming_its_successor(
    history: ScopeHistory,
) -> None:
    decision = history.check("h-bac-tan-uyen", _at("2023-07-05", 17))
    assert decision is not None
    assert decision.refusal is ScopeRefusal.RETIRED
    assert decision.successors == (SUCCESSOR,)
    vi, _, en = decision.reason.partition(" / ")
    assert vi.startswith("Huyện Bắc Tân Uyên (h-bac-tan-uyen) đã ngừng tồn tại từ ngày 03/07/2023")
    assert "đơn vị kế thừa: Thành phố Tân Uyên" in vi
    assert f"({SUCCESSOR})" in vi
    assert f"successor: '{SUCCESSOR}'" in en
    assert history.check("h-bac-tan-uyen", _at("2023-06-30", 17)) is None


def test_a_figure_of_the_successor_before_it_was_formed_is_refused(
    history: ScopeHistory,
) -> None:
    decision = history.check(SUCCESSOR, _at("2023-06-30", 17))
    assert decision is not None
    assert decision.refusal is ScopeRefusal.NOT_YET_VALID
    assert "tp-tan-uyen, h-bac-tan-uyen" in decision.reason


def test_the_shipped_catalog_has_no_change_and_refuses_nothing() -> None:
    history = ScopeHistory.from_catalog(load_catalog())
    assert history.changes == ()
    assert history.check("h-bac-tan-uyen", _at("2030-01-01")) is None


def test_a_change_whose_dates_disagree_with_its_scopes_is_refused() -> None:
    catalog = reorganised_catalog()
    wrong_day = tuple(
        c.model_copy(update={"effective": date(2023, 7, 4)}) if c.kind == "merge" else c
        for c in catalog.scope_changes
    )
    with pytest.raises(CatalogError) as raised:
        require_valid(catalog.model_copy(update={"scope_changes": wrong_day}))
    assert "whose valid_until is not 2023-07-04" in str(raised.value)


def test_a_scope_that_ends_without_a_change_is_refused() -> None:
    catalog = reorganised_catalog()
    with pytest.raises(CatalogError) as raised:
        require_valid(catalog.model_copy(update={"scope_changes": ()}))
    assert "no scope change retires it" in str(raised.value)


@pytest.mark.parametrize(
    ("kind", "retired", "successors", "carry"),
    [
        (ScopeChangeKind.MERGE, ("h-aa",), ("h-bb",), CarryOver.SUM),
        (ScopeChangeKind.SPLIT, ("h-aa",), ("h-bb", "h-cc"), CarryOver.SUM),
        (ScopeChangeKind.RENAME, ("h-aa", "h-bb"), ("h-cc",), CarryOver.STOP),
    ],
)
def test_a_change_of_the_wrong_shape_is_refused(
    kind: ScopeChangeKind, retired: tuple[str, ...], successors: tuple[str, ...], carry: CarryOver
) -> None:
    with pytest.raises(ValueError, match=r"merge|sum"):
        ScopeChange(
            code="change-x",
            kind=kind,
            effective=date(2024, 1, 1),
            retired=retired,
            successors=successors,
            carry_over=carry,
        )


def _figures(
    scopes: list[str], at: datetime, value: float
) -> dict[tuple[str, str], list[InputFigure]]:
    return {
        ("da06.eid-level2-approved", scope): [
            InputFigure(
                "da06.eid-level2-approved", scope, at, value, None, None, "cong-an", uuid.uuid4()
            )
        ]
        for scope in scopes
    }


def test_the_province_total_sums_the_districts_of_each_week_s_map() -> None:
    catalog = reorganised_catalog()
    approved = {d.code: d for d in derived_indicators(catalog)}["da06.eid-level2-approved"]
    assert SUCCESSOR in approved.children
    assert set(MERGED) <= set(approved.children)
    every = list(approved.children)
    before, after = _at("2023-06-30", 17), _at("2023-07-07", 17)
    # Each week every district that ever existed has a figure; only that week's map counts.
    old_week = derive(approved, scope="province", at=before, figures=_figures(every, before, 100.0))
    assert old_week is not None
    assert old_week.value == 900.0
    assert {figure.scope for figure in old_week.inputs} == set(every) - {SUCCESSOR}
    new_week = derive(approved, scope="province", at=after, figures=_figures(every, after, 10.0))
    assert new_week is not None
    assert new_week.value == 80.0
    assert {figure.scope for figure in new_week.inputs} == set(every) - set(MERGED)
    # The week of 1/7/2025 has no district at all: no total over districts.
    gone = _at("2025-07-04", 17)
    assert derive(approved, scope="province", at=gone, figures=_figures(every, gone, 1.0)) is None
