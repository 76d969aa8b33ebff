"""Write the exact third-party versions of the local uv.lock into pyproject.toml.

uv.lock itself is not committed: it records the package index's address for every file,
and the index a machine uses is that machine's business. What makes an install
reproducible is the versions, and those live in `[tool.uv] constraint-dependencies`,
so `uv lock` on any machine resolves to the same set.

    uv lock --upgrade            # take newer versions (or after adding a dependency)
    uv run python tools/pin_dependencies.py          # write them into pyproject.toml
    uv run python tools/pin_dependencies.py --check  # exit 1 if a locked one is unpinned
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BEGIN = "# pins: begin (tools/pin_dependencies.py writes these; do not edit by hand)"
END = "# pins: end"
BLOCK = re.compile(re.escape(BEGIN) + r".*?" + re.escape(END), re.DOTALL)


def locked_versions(lock_text: str) -> dict[str, str]:
    """Third-party packages of a uv.lock and their versions (workspace members left out)."""
    packages = tomllib.loads(lock_text).get("package", [])
    return {
        package["name"]: package["version"]
        for package in packages
        if "registry" in package.get("source", {})
    }


def pinned_versions(pyproject_text: str) -> dict[str, str]:
    uv = tomllib.loads(pyproject_text).get("tool", {}).get("uv", {})
    pins: dict[str, str] = {}
    for requirement in uv.get("constraint-dependencies", []):
        name, _, version = requirement.partition("==")
        pins[name.strip()] = version.strip()
    return pins


def render(versions: dict[str, str]) -> str:
    lines = [f'    "{name}=={version}",' for name, version in sorted(versions.items())]
    return "\n".join([BEGIN, "constraint-dependencies = [", *lines, "]", END])


def with_pins(pyproject_text: str, versions: dict[str, str]) -> str:
    if BLOCK.search(pyproject_text) is None:
        msg = f"pyproject.toml has no '{BEGIN}' … '{END}' block under [tool.uv]"
        raise ValueError(msg)
    return BLOCK.sub(lambda _: render(versions), pyproject_text)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="pin_dependencies",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 on a difference")
    arguments = parser.parse_args(argv)
    lock_path, pyproject_path = ROOT / "uv.lock", ROOT / "pyproject.toml"
    if not lock_path.exists():
        print("pin_dependencies: no uv.lock here; run `uv lock` first", file=sys.stderr)
        return 1
    locked = locked_versions(lock_path.read_text(encoding="utf-8"))
    pyproject = pyproject_path.read_text(encoding="utf-8")
    pinned = pinned_versions(pyproject)
    if arguments.check:
        differences = sorted(
            f"{name}: locked {locked.get(name, '—')}, pinned {pinned.get(name, '—')}"
            for name in set(locked) | set(pinned)
            if locked.get(name) != pinned.get(name)
        )
        for line in differences:
            print(line, file=sys.stderr)
        return 1 if differences else 0
    pyproject_path.write_text(with_pins(pyproject, locked), encoding="utf-8")
    print(f"pinned {len(locked)} packages in pyproject.toml", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
