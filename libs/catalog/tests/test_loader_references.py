"""An entry naming another that does not exist, or that it may not name, produces a
problem naming its file and entry."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ioc_catalog import CatalogError, load_catalog

CatalogData = dict[str, list[dict[str, Any]]]
WriteCatalog = Callable[..., Path]


def problems_of(folder: Path) -> list[str]:
    with pytest.raises(CatalogError) as caught:
        load_catalog(folder)
    return [str(problem) for problem in caught.value.problems]


def test_unknown_domain(small_catalog: CatalogData, write_catalog: WriteCatalog) -> None:
    small_catalog["indicators"][0]["domain"] = "xyz"

    (problem,) = problems_of(write_catalog(small_catalog))

    assert problem.startswith(
        "indicators.yaml: indicator 'dvc.paperless-rate': unknown domain 'xyz'"
    )
    assert problem.endswith("(line 2)")


def test_target_on_unknown_indicator(
    small_catalog: CatalogData, write_catalog: WriteCatalog
) -> None:
    small_catalog["targets"][0]["indicator"] = "dvc.no-such-thing"

    (problem,) = problems_of(write_catalog(small_catalog))

    assert problem.startswith(
        "targets.yaml: target 'dvc.paperless-100': unknown indicator 'dvc.no-such-thing'"
    )


@pytest.mark.parametrize("scope", ["tp-di-an", "so-khong-co", "own"])
def test_target_scope_not_valid_for_indicator(
    small_catalog: CatalogData, write_catalog: WriteCatalog, scope: str
) -> None:
    # Only departments (each for itself) and the province are granted; not districts.
    small_catalog["targets"][0]["scope"] = scope

    (problem,) = problems_of(write_catalog(small_catalog))

    assert problem.startswith(
        f"targets.yaml: target 'dvc.paperless-100': scope '{scope}' is not valid for "
        "indicator 'dvc.paperless-rate'"
    )


def test_department_scope_is_valid_through_own_grant(
    small_catalog: CatalogData, write_catalog: WriteCatalog
) -> None:
    small_catalog["targets"][0]["scope"] = "so-tnmt"

    assert load_catalog(write_catalog(small_catalog)).targets[0].scope == "so-tnmt"


def test_publisher_grant_to_unknown_agency(
    small_catalog: CatalogData, write_catalog: WriteCatalog
) -> None:
    small_catalog["indicators"][1]["publishers"].append({"agency": "so-ma", "scopes": ["own"]})

    (problem,) = problems_of(write_catalog(small_catalog))

    assert problem.startswith(
        "indicators.yaml: indicator 'cchc.par-index-rank': "
        "publisher grant to unknown agency 'so-ma'"
    )


def test_grant_with_unknown_scope(small_catalog: CatalogData, write_catalog: WriteCatalog) -> None:
    small_catalog["indicators"][1]["publishers"][0]["scopes"] = ["province", "district"]

    (problem,) = problems_of(write_catalog(small_catalog))

    assert "grant to 'so-tttt' has unknown scope 'district'" in problem


def test_escalation_to_unknown_recipient(
    small_catalog: CatalogData, write_catalog: WriteCatalog
) -> None:
    small_catalog["targets"][0]["escalation"].append(
        {"after_minutes": 60, "notify": ["chu-tich-ubnd", "pho-chu-tich"]}
    )

    (problem,) = problems_of(write_catalog(small_catalog))

    assert problem.startswith(
        "targets.yaml: target 'dvc.paperless-100': escalation to unknown recipient 'pho-chu-tich'"
    )


def test_rank_target_needs_rank_indicator_and_value_in_range(
    small_catalog: CatalogData, write_catalog: WriteCatalog
) -> None:
    target = small_catalog["targets"][0]
    target.update(kind="rank", value=120)
    del target["deadline"]

    problems = problems_of(write_catalog(small_catalog))

    assert any("a rank target needs a rank indicator" in problem for problem in problems)
    assert any("value 120 is outside the valid range 0..100" in problem for problem in problems)


def test_province_code_is_reserved_for_the_province(
    small_catalog: CatalogData, write_catalog: WriteCatalog
) -> None:
    small_catalog["agencies"][0]["code"] = "ubnd-tinh"
    for agency in small_catalog["agencies"][1:]:
        agency["parent"] = "ubnd-tinh"

    (problem,) = problems_of(write_catalog(small_catalog))

    assert problem.startswith("agencies.yaml: agency 'ubnd-tinh': the province agency")


def test_grant_words_are_not_agency_codes(
    small_catalog: CatalogData, write_catalog: WriteCatalog
) -> None:
    small_catalog["agencies"][3]["code"] = "districts"

    (problem,) = problems_of(write_catalog(small_catalog))

    assert problem.startswith(
        "agencies.yaml: agency 'districts': code 'districts' is reserved for publish grants"
    )


def test_unknown_parent_agency(small_catalog: CatalogData, write_catalog: WriteCatalog) -> None:
    small_catalog["agencies"][3]["parent"] = "tinh-khac"

    (problem,) = problems_of(write_catalog(small_catalog))

    assert problem.startswith("agencies.yaml: agency 'tp-di-an': unknown parent agency 'tinh-khac'")
