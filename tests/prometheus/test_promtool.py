"""promtool (Debian's `prometheus` package) checks both Prometheus configurations and the
pipeline's rules, and runs the rules' unit tests (deploy/prometheus/tests/*.yml)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

PROMETHEUS = Path(__file__).resolve().parents[2] / "deploy" / "prometheus"
CONFIG = PROMETHEUS / "prometheus.yml"
LOCAL_CONFIG = PROMETHEUS / "prometheus.local.yml"
UNIT_TESTS = sorted((PROMETHEUS / "tests").glob("*.yml"))


def rule_files() -> list[Path]:
    globs = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))["rule_files"]
    return sorted(found for glob in globs for found in PROMETHEUS.glob(glob))


def promtool(*arguments: str, cwd: Path = PROMETHEUS) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("promtool")
    if binary is None:
        pytest.skip(
            "promtool is not installed: it comes with Debian's `prometheus` package "
            "(apt-get install prometheus)"
        )
    return subprocess.run(
        [binary, *arguments], cwd=cwd, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize("path", [CONFIG, LOCAL_CONFIG], ids=lambda path: path.name)
def test_promtool_accepts_the_config(path: Path) -> None:
    run = promtool("check", "config", str(path))
    assert run.returncode == 0, run.stdout + run.stderr


def test_promtool_accepts_the_rules() -> None:
    assert rule_files()
    run = promtool("check", "rules", *map(str, rule_files()))
    assert run.returncode == 0, run.stdout + run.stderr


def test_promtool_unit_tests_of_the_rules_pass() -> None:
    assert UNIT_TESTS
    run = promtool("test", "rules", *map(str, UNIT_TESTS))
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.count("SUCCESS") == len(UNIT_TESTS), run.stdout
