"""Under `./dev test` (IOC_TESTS_NO_SKIP=1) a skipped test fails and names its reason;
run by hand, a skip stays a skip (`ioc_testing.no_skips`)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

_SUITE = """
import pytest

def test_needs_a_tool():
    pytest.skip("promtool is not installed")

@pytest.mark.skipif(True, reason="chromium is not installed")
def test_needs_a_browser():
    pass

@pytest.mark.xfail(reason="known")
def test_known_failure():
    assert False

def test_passes():
    assert True
"""


def _run(tmp_path: Path, no_skip: str | None) -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_suite.py").write_text(_SUITE, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "IOC_TESTS_NO_SKIP"}
    if no_skip is not None:
        env["IOC_TESTS_NO_SKIP"] = no_skip
    command = [sys.executable, "-m", "pytest", "-p", "ioc_testing.no_skips", "-q"]
    command += ["-p", "no:cacheprovider", "--rootdir", str(tmp_path), str(tmp_path)]
    return subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_under_dev_test_a_skip_fails_with_its_reason(tmp_path: Path) -> None:
    done = _run(tmp_path, "1")
    # A skip in the test body fails it; a skip mark, judged at set-up, errors it.
    assert done.returncode == 1, done.stdout
    assert "1 failed, 1 passed, 1 xfailed, 1 error" in done.stdout
    assert "which installs what every test needs: promtool is not installed" in done.stdout
    assert "which installs what every test needs: chromium is not installed" in done.stdout


def test_run_by_hand_a_skip_stays_a_skip(tmp_path: Path) -> None:
    done = _run(tmp_path, None)
    assert done.returncode == 0, done.stdout
    assert "1 passed, 2 skipped, 1 xfailed" in done.stdout
