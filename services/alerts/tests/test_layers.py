"""The alert service's layers, checked from its source: SQL and rows only in adapters,
pure packages free of I/O, the two flows apart, small modules, a thin main."""

from __future__ import annotations

import ast
import re
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[1] / "src" / "ioc_alerts"
SQL = re.compile(r"\b(SELECT\s.+\sFROM|INSERT\s+INTO|UPDATE\s+\S+\s+SET|DELETE\s+FROM)\b", re.S)
PURE = ("domain", "lifecycle", "messages")
IO_LIBRARIES = ("asyncpg", "faststream", "fastapi", "httpx", "aiokafka", "aiosmtplib")
# Each flow reaches the database through its own edge only; both read the catalog.
EDGES = {
    "decide": {"ioc_alerts.adapters.alerts", "ioc_alerts.adapters.catalog"},
    "deliver": {"ioc_alerts.adapters.notifications", "ioc_alerts.adapters.catalog"},
}
INBOUND = {"ioc_alerts.adapters.series_updates"}  # the Kafka subscriber's own adapter


def _modules(root: Path) -> dict[str, Path]:
    return {str(p.relative_to(root)): p for p in sorted(root.rglob("*.py"))}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def layer_violations(root: Path) -> list[str]:
    found = []
    for name, path in _modules(root).items():
        text = path.read_text(encoding="utf-8")
        top = name.split("/")[0]
        imports = _imports(path)
        if top != "adapters":
            strings = [
                node.value
                for node in ast.walk(ast.parse(text))
                if isinstance(node, ast.Constant) and isinstance(node.value, str)
            ]
            if any(SQL.search(s) for s in strings):
                found.append(f"{name}: SQL outside adapters/")
            if "asyncpg.Record" in text:
                found.append(f"{name}: asyncpg.Record outside adapters/")
        if top in PURE:
            for module in imports:
                if module.split(".")[0] in IO_LIBRARIES or module.startswith("ioc_alerts.adapters"):
                    found.append(f"{name}: the pure {top}/ imports {module}")
        if top in EDGES:
            other = "deliver" if top == "decide" else "decide"
            allowed = EDGES[top] | INBOUND
            for module in imports:
                if module.startswith(f"ioc_alerts.{other}"):
                    found.append(f"{name}: the {top} flow imports the {other} flow")
                if module.startswith("ioc_alerts.adapters.") and not any(
                    module == edge or module.startswith(f"{edge}.") for edge in allowed
                ):
                    found.append(f"{name}: the {top} flow imports {module}")
        lines = len(text.splitlines())
        if lines > 250:
            found.append(f"{name}: {lines} lines (at most 250)")
    return found


def test_the_alert_service_keeps_its_layers() -> None:
    assert layer_violations(SOURCE) == []


def test_main_only_wires() -> None:
    main = (SOURCE / "main.py").read_text(encoding="utf-8")
    assert len(main.splitlines()) <= 80
    tree = ast.parse(main)
    [create_app] = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
    nested = [
        n for n in ast.walk(create_app) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
    ]
    assert nested == [create_app]  # no closures


def test_the_check_sees_what_it_forbids(tmp_path: Path) -> None:
    files = {
        "deliver/leaky.py": 'QUERY = "SELECT channel FROM ioc.notifications"\n'
        "import asyncpg\nROW: asyncpg.Record\n",
        "decide/crossing.py": "from ioc_alerts.deliver.dispatcher import Dispatcher\n"
        "from ioc_alerts.adapters.notifications import claim_due\n",
        "domain/impure.py": "import asyncpg\n",
        "adapters/fine.py": 'QUERY = "UPDATE ioc.alerts SET state = $1"\n',
        "messages/long.py": "x = 1\n" * 251,
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    assert sorted(layer_violations(tmp_path)) == [
        "decide/crossing.py: the decide flow imports ioc_alerts.adapters.notifications",
        "decide/crossing.py: the decide flow imports ioc_alerts.adapters.notifications.claim_due",
        "decide/crossing.py: the decide flow imports the deliver flow",
        "decide/crossing.py: the decide flow imports the deliver flow",
        "deliver/leaky.py: SQL outside adapters/",
        "deliver/leaky.py: asyncpg.Record outside adapters/",
        "domain/impure.py: the pure domain/ imports asyncpg",
        "messages/long.py: 251 lines (at most 250)",
    ]
