"""Fails when a service imports another service, or a library imports a service.

Libraries are imported and services are run: a service that imports another would
couple their deployments, so the rule is enforced rather than hoped for.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def service_packages(root: Path) -> dict[str, str]:
    """Service folder name -> its import package (services/ingest -> ioc_ingest)."""
    return {p.name: f"ioc_{p.name}" for p in sorted((root / "services").iterdir()) if p.is_dir()}


def imported_modules(source: Path) -> set[str]:
    tree = ast.parse(source.read_text(encoding="utf-8"), filename=str(source))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def violations(root: Path = ROOT) -> list[str]:
    found: list[str] = []
    services = service_packages(root)
    owners: list[tuple[Path, str | None]] = [
        *((root / "services" / name, package) for name, package in services.items()),
        *((path, None) for path in sorted((root / "libs").iterdir()) if path.is_dir()),
    ]
    for folder, own in owners:
        for source in folder.rglob("*.py"):
            for module in imported_modules(source) & set(services.values()):
                if module != own:
                    found.append(f"{source.relative_to(root)} imports {module}")
    return found


def main() -> int:
    found = violations()
    for line in found:
        print(f"boundary violation: {line}", file=sys.stderr)
    if not found:
        print(f"boundaries ok: {len(service_packages(ROOT))} services import no other service")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
