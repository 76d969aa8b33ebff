"""The compose demo override adds to compose.yaml what `./dev up` runs locally."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _load(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return document


def test_the_demo_override_fits_compose_and_the_local_runner() -> None:
    base = _load(ROOT / "compose.yaml")["services"]
    demo = _load(ROOT / "deploy" / "docker" / "compose.demo.yaml")["services"]
    assert "alerts" in base
    clock = demo["alerts"]["environment"]
    runner = (ROOT / "deploy" / "local" / "run_system.py").read_text(encoding="utf-8")
    # Same timeline and cadence as the local runner.
    assert f'DEMO_START = "{clock["IOC_ALERTS_CLOCK_START"]}"' in runner
    assert "default=43_200" in runner
    assert clock["IOC_ALERTS_CLOCK_SPEED"] == "43200"
    feed = demo["demo-feed"]
    assert feed["image"] == base["init"]["image"]
    (mount,) = feed["volumes"]
    source, target, _ = mount.split(":")
    assert (ROOT / source / "feed.py").is_file()
    assert feed["command"][1] == f"{target}/feed.py"
    assert set(feed["depends_on"]) == {"ingest", "aggregator", "alerts"}
    assert all(c["condition"] == "service_healthy" for c in feed["depends_on"].values())
