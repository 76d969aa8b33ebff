"""Each package's pyproject declares what its code imports, nothing more, with sound floors."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import check_dependencies  # noqa: E402


def test_every_package_declares_its_imports_and_no_more() -> None:
    pins = check_dependencies._pins()
    problems = []
    for pyproject in check_dependencies.PACKAGES:
        problems += check_dependencies.deptry_problems(pyproject)
        problems += check_dependencies.floor_problems(pyproject, pins)
    assert problems == []


def _package(root: Path, dependencies: str, code: str) -> Path:
    folder = root / "libs" / "sample"
    (folder / "src" / "ioc_sample").mkdir(parents=True)
    (folder / "src" / "ioc_sample" / "__init__.py").write_text(code, encoding="utf-8")
    pyproject = folder / "pyproject.toml"
    pyproject.write_text(
        f'[project]\nname = "ioc-sample"\nversion = "0"\ndependencies = [{dependencies}]\n',
        encoding="utf-8",
    )
    return pyproject


def test_an_undeclared_import_and_an_unused_declaration_are_found(tmp_path: Path) -> None:
    pyproject = _package(tmp_path, '"pyyaml>=6.0"', "import httpx\nimport not_installed_anywhere\n")
    check_dependencies.ROOT = tmp_path
    try:
        problems = "\n".join(check_dependencies.deptry_problems(pyproject))
    finally:
        check_dependencies.ROOT = ROOT
    # Installed only as someone else's dependency, or not at all: both undeclared.
    assert "DEP003 'httpx' imported but it is a transitive dependency" in problems
    assert "DEP001 'not_installed_anywhere' imported but missing" in problems
    assert "DEP002 'pyyaml' defined as a dependency but not used" in problems


def test_floors_are_required_sound_and_at_least_what_the_code_needs(tmp_path: Path) -> None:
    pyproject = _package(tmp_path, '"faststream[kafka]>=0.5", "httpx", "pyyaml>=99"', "")
    check_dependencies.ROOT = tmp_path
    try:
        problems = check_dependencies.floor_problems(pyproject, {"pyyaml": "6.0.4"})
    finally:
        check_dependencies.ROOT = ROOT
    assert len(problems) == 3
    assert "faststream[kafka]>=0.5, but the code needs >=0.6" in problems[0]
    assert "httpx has no floor" in problems[1]
    assert "above the pinned pyyaml==6.0.4" in problems[2]
