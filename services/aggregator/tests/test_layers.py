"""The aggregator's layers, drawn from its imports: ports and adapters the right way round.

The domain is pure; the use case (application) knows its ports and the domain, never an
adapter or a driver; inbound adapters (Kafka in) hand batches to the use case; outbound
adapters (database, Kafka out) implement its ports and never reach back into the inbound
side. Only `main.py` knows them all. And no module grows past 250 lines.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "ioc_aggregator"
DRIVERS = ("asyncpg", "aiokafka", "faststream")
FORBIDDEN = {
    "domain": ("ioc_aggregator.application", "ioc_aggregator.inbound", "ioc_aggregator.outbound",
               "ioc_storage", *DRIVERS),
    "application": ("ioc_aggregator.inbound", "ioc_aggregator.outbound", "ioc_storage", *DRIVERS),
    "outbound": ("ioc_aggregator.inbound",),
    "inbound": ("ioc_aggregator.outbound",),
}  # fmt: skip


def imports(source: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_each_layer_imports_only_inward(layer: str) -> None:
    crossings = [
        f"{source.relative_to(PACKAGE)} imports {module}"
        for source in sorted((PACKAGE / layer).glob("*.py"))
        for module in sorted(imports(source))
        if module.startswith(FORBIDDEN[layer])
    ]
    assert crossings == []


def test_no_module_is_longer_than_250_lines() -> None:
    long = {
        str(source.relative_to(PACKAGE)): lines
        for source in PACKAGE.rglob("*.py")
        if (lines := len(source.read_text(encoding="utf-8").splitlines())) > 250
    }
    assert long == {}
