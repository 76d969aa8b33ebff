"""The alert pass's profile on the page: samples put in the part of the pass they were
in (innermost frame first), the process's imports left out, and a real profiled run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pytest

# The benchmarks are run, not installed.
from benchmarks.alert_profile import (
    ALERT_LIBRARIES,
    ALERT_STAGES,
    ALERT_START_UP,
    alert_profile_table,
)
from benchmarks.profile import summarise

ROOT = Path(__file__).resolve().parents[1]
_FRAMES = [
    {"name": "_call_with_frames_removed", "file": "<frozen importlib._bootstrap>"},
    {"name": "<module>", "file": "/x/ioc_alerts/domain/wording.py"},
    {"name": "assess_threshold", "file": "/x/ioc_alerts/domain/thresholds.py"},
    {"name": "quantity", "file": "/x/ioc_alerts/domain/wording.py"},
    {"name": "format_number", "file": "/x/ioc_catalog/wording.py"},
    {"name": "record_statuses", "file": "/x/ioc_alerts/adapters/alerts/store.py"},
    {"name": "_do_execute", "file": "/x/asyncpg/connection.py"},
    {"name": "previous_statuses", "file": "/x/ioc_alerts/adapters/alerts/store.py"},
]


def _speedscope(tmp_path: Path, samples: list[list[int]]) -> Path:
    path = tmp_path / "profile.json"
    document = {
        "shared": {"frames": _FRAMES},
        "profiles": [{"type": "sampled", "samples": samples, "weights": [0.005] * len(samples)}],
    }
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_samples_go_to_the_innermost_part_and_imports_are_left_out(tmp_path: Path) -> None:
    path = _speedscope(
        tmp_path,
        [
            [0, 1],  # wording.py's module code, run by an import: start-up
            [2, 3, 4],  # a threshold's reason: its numbers are the reasons' text
            [2, 3, 4],
            [2],  # the threshold itself
            [5, 6],  # the statuses written: asyncpg under record_statuses is recording
            [7, 6],  # the statuses read back: reading, though in the same module
        ],
    )
    profile = summarise(path, stages=ALERT_STAGES, libraries=ALERT_LIBRARIES, skip=ALERT_START_UP)
    assert profile["skipped"] == pytest.approx(0.005)
    assert profile["samples"] == pytest.approx(0.025)
    assert dict(profile["stages"]) == pytest.approx(
        {
            "judge: reasons' text (numbers, days, words)": 0.4,
            "judge: threshold targets": 0.2,
            "record: statuses, open alerts, decisions": 0.2,
            "read: figures and last statuses": 0.2,
        }
    )
    table = alert_profile_table(profile)
    assert "| judge: reasons' text (numbers, days, words) | 40.0% |" in table
    assert "its imports (0.0 s) left out" in table


def test_a_run_without_a_profile_says_so() -> None:
    assert alert_profile_table(None) == "No profile of the pass was recorded in this run."


@pytest.mark.connected
def test_the_alert_pass_is_profiled_in_a_process_of_its_own(tmp_path: Path) -> None:
    output = tmp_path / "alert-pass.speedscope.json"
    answer = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.alert_pass",
            "--indicators",
            "3",
            "--years",
            "0.1",
            "--updates",
            "2",
            "--profile",
            str(output),
            "--json",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert answer.returncode == 0, answer.stderr[-2000:]
    profile = json.loads(answer.stdout)["profile"]
    assert output.exists()
    # The imports of a fresh process take samples; the pass's own parts are named.
    assert profile["skipped"] > 0
    named = {name for name, _ in profile["stages"]}
    assert named & {stage for stage, _, _ in ALERT_STAGES}
    assert sum(share for _, share in profile["stages"]) == pytest.approx(1.0)
