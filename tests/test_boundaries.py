from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).resolve().parent


def _checker() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_boundaries", HERE / "check_boundaries.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _tree(root: Path, files: dict[str, str]) -> Path:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (root / "libs").mkdir(exist_ok=True)
    return root


def test_the_repository_respects_the_boundaries() -> None:
    assert _checker().violations() == []


def test_a_service_importing_another_service_is_reported(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "services/ingest/src/ioc_ingest/app.py": "from ioc_alerts.rules import x\n",
            "services/alerts/src/ioc_alerts/rules.py": "import ioc_ingest.app\nx = 1\n",
            "services/aggregator/src/ioc_aggregator/ok.py": "import ioc_aggregator.db\n",
        },
    )
    found = _checker().violations(root)
    assert sorted(found) == [
        "services/alerts/src/ioc_alerts/rules.py imports ioc_ingest",
        "services/ingest/src/ioc_ingest/app.py imports ioc_alerts",
    ]


def test_a_library_importing_a_service_is_reported(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "services/ingest/src/ioc_ingest/app.py": "",
            "libs/contracts/src/ioc_contracts/events.py": "from ioc_ingest import app\n",
        },
    )
    assert _checker().violations(root) == [
        "libs/contracts/src/ioc_contracts/events.py imports ioc_ingest"
    ]
