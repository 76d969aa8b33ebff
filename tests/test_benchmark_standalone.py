"""The benchmarks that run alone answer --help and run end to end at a small size.

No figure is checked (a test times nothing): only that each one runs against the real
broker and database, cleans up, and returns the figures the report reads.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import report_goals  # noqa: E402  (the benchmarks are run, not installed)

MODULES = ("alert_pass", "http_gateway", "latest_values", "stages")


def run(module: str, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", f"benchmarks.{module}", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.mark.parametrize("module", MODULES)
def test_each_standalone_benchmark_explains_itself(module: str) -> None:
    answer = run(module, "--help", timeout=60)
    assert answer.returncode == 0, answer.stderr
    assert "--json" in answer.stdout


@pytest.mark.connected
def test_the_alert_pass_runs_at_a_small_size() -> None:
    answer = run("alert_pass", "--indicators", "3", "--years", "0.1", "--updates", "5", "--json")
    assert answer.returncode == 0, answer.stderr[-2000:]
    result = json.loads(answer.stdout)
    assert result["targets"] == 3 * 29
    assert result["figures"] > 0
    assert result["evaluated"] == result["targets"]
    assert result["updates"] == 5
    # The steady state is the median of its passes, and every one is listed.
    steady = result["steady_passes_seconds"]
    assert len(steady) == 3
    assert result["pass_seconds"] == sorted(steady)[1]
    table = report_goals.alert_pass_table(result)
    assert "| 87 |" in table
    assert " / ".join(f"{seconds:.2f}" for seconds in steady) in table
    # The first pass writes every status; a steady one only those whose judgment moved
    # (the deadline targets' needed pace runs from the pass's instant), never all.
    first, *later = result["statuses_written"]
    assert first == result["targets"]
    assert all(n < first for n in later), result["statuses_written"]
    assert len(result["wal_bytes"]) == 4


@pytest.mark.connected
def test_the_http_gateway_benchmark_runs_at_a_small_size() -> None:
    answer = run("http_gateway", "--events", "60", "--clients", "2", "--json")
    assert answer.returncode == 0, answer.stderr[-2000:]
    result = json.loads(answer.stdout)
    for mode in ("http_single", "http_batch", "kafka_single", "kafka_batch"):
        assert result[mode]["events"] == 60
    assert "HTTP gateway, 100 events per request" in report_goals.gateway_table(result)


@pytest.mark.connected
def test_the_stages_benchmark_runs_at_a_small_size() -> None:
    answer = run("stages", "--events", "500", "--repeat", "1", "--json")
    assert answer.returncode == 0, answer.stderr[-2000:]
    result = json.loads(answer.stdout)
    assert result["events"] == 500
    assert "screening" in report_goals.stages_table(result)


@pytest.mark.connected
def test_the_latest_values_benchmark_runs_at_a_small_size() -> None:
    answer = run("latest_values", "--series", "20", "--rounds", "2", "--json")
    assert answer.returncode == 0, answer.stderr[-2000:]
    result = json.loads(answer.stdout)
    # Both statements left the same rows: the comparison is of equals.
    assert result["same_rows"] is True
    assert set(result["medians_ms"]) == {"eight arrays", "one JSON document"}


def test_every_goal_of_the_speed_issue_gets_a_verdict() -> None:
    results = {
        "ours": {"events_per_second": 20_000.0, "cpu_cores": {"aggregator": 0.2}},
        "raw_copy": {"events_per_second": 25_000.0},
        "alert_pass": {"pass_seconds": 7.0, "peak_rss_mib": 200.0, "update_p99_ms": 30.0},
    }
    table = report_goals.issue_goals(results)
    assert "| 80% | **met** |" in table  # 20,000 ÷ 25,000
    assert "| 10.0 µs | **met** |" in table  # 0.2 cores ÷ 20,000 events/s
    assert "| 7.00 s | **not met** |" in table
    # Latency at 10%, at 90% and at 90% of the rate sustained live; replicas; the gateway.
    assert table.count("not measured") == 5
