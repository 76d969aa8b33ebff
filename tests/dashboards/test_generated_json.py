"""The committed dashboard JSON is exactly what deploy/grafana/dashboards_src generates,
generation is deterministic, and --check notices a hand edit."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from .dashboard_json import DASHBOARDS, GRAFANA, ROOT

GENERATOR = GRAFANA / "dashboards_src" / "generate.py"


def run_generator(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(GENERATOR), *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_committed_json_is_what_the_code_generates() -> None:
    run = run_generator("--check")
    assert run.returncode == 0, run.stdout + run.stderr


def test_generation_is_deterministic_and_check_notices_a_hand_edit(tmp_path: Path) -> None:
    assert run_generator("--output", str(tmp_path)).returncode == 0
    first = {p.name: p.read_bytes() for p in tmp_path.glob("*.json")}
    assert run_generator("--output", str(tmp_path)).returncode == 0
    assert {p.name: p.read_bytes() for p in tmp_path.glob("*.json")} == first
    assert first == {p.name: p.read_bytes() for p in DASHBOARDS.glob("*.json")}
    edited = tmp_path / "targets.json"
    edited.write_text(
        edited.read_text(encoding="utf-8").replace("Chỉ tiêu", "Chi tieu", 1), encoding="utf-8"
    )
    run = run_generator("--check", "--output", str(tmp_path))
    assert run.returncode == 1
    assert "targets.json" in run.stderr


def test_the_generator_explains_itself() -> None:
    run = run_generator("--help")
    assert run.returncode == 0
    assert "--check" in run.stdout
