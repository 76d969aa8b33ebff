"""Each package declares what it imports, nothing it does not, with floors the code needs.

Run by `./dev test` (and so by CI) and by tests/test_dependencies_declared.py:

- deptry on each package of the workspace (`libs/*`, `services/*`), from the package's
  own folder so its own pyproject.toml is the one read: every import declared (DEP001,
  DEP003: no leaning on a transitive dependency), nothing declared unused (DEP002);
- every third-party requirement has a floor (`>=`), the floor is not above the version
  pinned for the workspace, and it is at least what the code is known to need
  (`KNOWN_FLOORS`).

    uv run python tools/check_dependencies.py
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = sorted([*ROOT.glob("libs/*/pyproject.toml"), *ROOT.glob("services/*/pyproject.toml")])

KNOWN_FLOORS: dict[str, tuple[str, str]] = {
    "faststream": ("0.6", "the 0.6 broker and subscriber API (faststream.kafka, AsgiFastStream)"),
}
"""Floors below which the code does not work, whatever the resolver would accept."""

_REQUIREMENT = re.compile(r"^(?P<name>[A-Za-z0-9_.-]+)(?:\[[^\]]*\])?(?P<spec>.*)$")


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text.split("!")[-1])[:3])


def _pins() -> dict[str, str]:
    uv = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["uv"]
    pins = {}
    for constraint in uv.get("constraint-dependencies", []):
        name, _, version = constraint.partition("==")
        pins[name.lower()] = version
    return pins


def floor_problems(pyproject: Path, pins: dict[str, str]) -> list[str]:
    problems = []
    for requirement in tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"][
        "dependencies"
    ]:
        match = _REQUIREMENT.match(requirement.replace(" ", ""))
        assert match is not None, requirement
        name, spec = match["name"].lower(), match["spec"]
        if name.startswith("ioc-"):
            continue  # a workspace member: always the one in the repository
        floor = re.search(r">=([^,;]+)", spec)
        where = pyproject.relative_to(ROOT)
        if floor is None:
            problems.append(f"{where}: {requirement} has no floor (>=)")
            continue
        if name in pins and _version(floor[1]) > _version(pins[name]):
            problems.append(f"{where}: {requirement} is above the pinned {name}=={pins[name]}")
        if name in KNOWN_FLOORS and _version(floor[1]) < _version(KNOWN_FLOORS[name][0]):
            needed, why = KNOWN_FLOORS[name]
            problems.append(f"{where}: {requirement}, but the code needs >={needed} ({why})")
    return problems


def deptry_problems(pyproject: Path) -> list[str]:
    run = subprocess.run(
        [sys.executable, "-m", "deptry", "src", "--no-ansi"],
        cwd=pyproject.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    if run.returncode == 0:
        return []
    lines = [line for line in (run.stdout + run.stderr).splitlines() if ": DEP" in line]
    where = pyproject.parent.relative_to(ROOT)
    return [f"{where}/{line}" for line in lines] or [f"{where}: deptry failed\n{run.stderr}"]


def main() -> int:
    pins = _pins()
    problems = []
    for pyproject in PACKAGES:
        problems += deptry_problems(pyproject)
        problems += floor_problems(pyproject, pins)
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"{len(PACKAGES)} packages checked, {len(problems)} dependency problems", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
