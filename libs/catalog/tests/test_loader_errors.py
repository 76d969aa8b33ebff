"""Each way a catalog file or entry can be wrong on its own produces a problem naming its
file and entry (cross-references: test_loader_references.py)."""

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


def test_small_catalog_is_valid(small_catalog: CatalogData, write_catalog: WriteCatalog) -> None:
    catalog = load_catalog(write_catalog(small_catalog))

    assert [indicator.code for indicator in catalog.indicators] == [
        "dvc.paperless-rate",
        "cchc.par-index-rank",
    ]


def test_yaml_syntax_error_names_file_and_line(
    small_catalog: CatalogData, write_catalog: WriteCatalog
) -> None:
    broken = "indicators:\n  - code: dvc.x\n    name_vi: [unclosed\n    name_en: y\n"
    folder = write_catalog(small_catalog, raw={"indicators.yaml": broken})

    (problem,) = problems_of(folder)

    assert problem.startswith("indicators.yaml: YAML syntax error: ")
    assert problem.endswith("(line 4)")


def test_duplicate_yaml_key_is_a_syntax_error(
    small_catalog: CatalogData, write_catalog: WriteCatalog
) -> None:
    text = "domains:\n  - code: a1\n    name_vi: A\n    name_en: A\n    name_en: B\n"
    folder = write_catalog(small_catalog, raw={"domains.yaml": text})

    (problem,) = problems_of(folder)

    assert "duplicate key 'name_en'" in problem
    assert problem.endswith("(line 5)")


def test_schema_error_names_entry_field_and_line(
    small_catalog: CatalogData, write_catalog: WriteCatalog
) -> None:
    small_catalog["indicators"][1]["unit"] = "percentage"

    (problem,) = problems_of(write_catalog(small_catalog))

    assert problem.startswith(
        "indicators.yaml: indicator 'cchc.par-index-rank': unit: Input should"
    )
    assert "(line " in problem


def test_schema_error_in_nested_grant_points_at_the_grant(
    small_catalog: CatalogData, write_catalog: WriteCatalog
) -> None:
    small_catalog["indicators"][0]["publishers"][1]["scope"] = ["province"]

    problems = problems_of(write_catalog(small_catalog))

    assert any(
        "indicator 'dvc.paperless-rate': publishers.1.scope: Extra inputs are not permitted"
        in problem
        for problem in problems
    )


def test_schema_error_without_code_names_entry_by_position(
    small_catalog: CatalogData, write_catalog: WriteCatalog
) -> None:
    del small_catalog["domains"][1]["code"]

    (problem,) = problems_of(write_catalog(small_catalog))

    assert problem.startswith("domains.yaml: domain #2: code: Field required")


def test_target_kind_rules_are_schema_errors(
    small_catalog: CatalogData, write_catalog: WriteCatalog
) -> None:
    del small_catalog["targets"][0]["deadline"]

    (problem,) = problems_of(write_catalog(small_catalog))

    assert problem.startswith("targets.yaml: target 'dvc.paperless-100': ")
    assert "a deadline is required for, and only for, deadline targets" in problem


@pytest.mark.parametrize(
    ("key", "file", "noun", "field"),
    [
        ("domains", "domains.yaml", "domain", "code"),
        ("indicators", "indicators.yaml", "indicator", "code"),
        ("agencies", "agencies.yaml", "agency", "code"),
        ("targets", "targets.yaml", "target", "code"),
        ("recipients", "recipients.yaml", "recipient", "id"),
    ],
)
def test_duplicate_code(
    small_catalog: CatalogData,
    write_catalog: WriteCatalog,
    key: str,
    file: str,
    noun: str,
    field: str,
) -> None:
    first = small_catalog[key][-1]
    small_catalog[key].append(dict(first))
    code = first[field]

    problems = problems_of(write_catalog(small_catalog))

    what = "id" if noun == "recipient" else "code"
    assert any(
        problem.startswith(f"{file}: {noun} '{code}': duplicate {what} '{code}'")
        for problem in problems
    ), problems


def test_missing_file_and_wrong_shape(
    small_catalog: CatalogData, write_catalog: WriteCatalog
) -> None:
    folder = write_catalog(small_catalog, raw={"domains.yaml": "- code: a\n"})
    (folder / "recipients.yaml").unlink()

    problems = problems_of(folder)

    assert problems == [
        "domains.yaml: file: expected a mapping with a 'domains' list",
        "recipients.yaml: file: file not found",
    ]


def test_unexpected_top_level_key_but_x_keys_allowed(
    small_catalog: CatalogData, write_catalog: WriteCatalog
) -> None:
    text = "x-shared: &a [1]\ndomain: []\ndomains: []\n"
    small_catalog["indicators"] = []
    small_catalog["targets"] = []

    (problem,) = problems_of(write_catalog(small_catalog, raw={"domains.yaml": text}))

    assert problem == "domains.yaml: file: unexpected top-level key 'domain' (line 1)"


def test_every_problem_is_reported_at_once(
    small_catalog: CatalogData, write_catalog: WriteCatalog
) -> None:
    small_catalog["indicators"][0]["domain"] = "xyz"
    small_catalog["targets"][0]["escalation"][0]["notify"] = ["ai-do"]
    small_catalog["domains"].append(dict(small_catalog["domains"][0]))

    with pytest.raises(CatalogError) as caught:
        load_catalog(write_catalog(small_catalog))

    files = [problem.file for problem in caught.value.problems]
    assert files == ["domains.yaml", "indicators.yaml", "targets.yaml"]
    assert str(caught.value).startswith("catalog has 3 problems\n  domains.yaml: ")
