"""The benchmark keeps every run and never shows a failed run as a result."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pytest

from benchmarks.process_usage import Sampler
from benchmarks.report import every_run_text
from benchmarks.run_all import all_runs


def run(rate: float, **more: Any) -> dict[str, Any]:
    return {"events_per_second": rate, "verified": {"ok": True}, **more}


def test_the_figure_is_the_median_passing_run_and_every_run_is_listed() -> None:
    result = all_runs([run(900.0), run(1500.0), run(1100.0)])
    assert result["events_per_second"] == 1100.0
    assert "failed" not in result
    assert every_run_text(result) == "900 / 1,500 / 1,100"


def test_one_failed_run_marks_the_step_as_failed() -> None:
    stalled = run(400.0, timed_out=True)
    doubled = run(2000.0, verified={"ok": False, "differences": "rows 200001 ≠ 200000"})
    result = all_runs([run(1000.0), stalled, doubled, run(1200.0), run(1100.0)])
    assert result["failed_runs"] == 2
    assert result["failed"].startswith("2 of 5 runs failed: timed out")
    assert result["events_per_second"] == 1100.0  # from the passing runs only
    shown = every_run_text(result)
    assert shown.count("✗") == 2
    assert "rows 200001" in shown


def test_a_step_where_every_run_failed_shows_no_figure_of_its_own() -> None:
    result = all_runs([{"failed": "RuntimeError: boom"}])
    assert result["failed"] == "RuntimeError: boom"
    assert result["repeats"] == []


def test_a_step_that_measures_no_rate_fails_only_by_an_error_or_a_check() -> None:
    """The latency runs and the notifications have no events per second of their own;
    every page until 2026-12-07 (evening) recorded them as failed for lacking one."""
    measured = {"2500": {"committed": {"p99": 80.0}}}
    assert "failed" not in all_runs([measured], rated=False)
    assert all_runs([measured], rated=True)["failed"].endswith("no rate measured")
    crashed = all_runs([{"failed": "RuntimeError: boom"}], rated=False)
    assert crashed["failed"] == "RuntimeError: boom"
    lost = all_runs([{"verified": {"ok": False, "differences": "rows 9 ≠ 10"}}], rated=False)
    assert lost["failed"].startswith("1 of 1 runs failed: stored rows differ")


def test_each_replica_run_says_when_the_last_replica_got_its_partitions() -> None:
    """Replicas started together join one after the other, and a late join is a
    rebalance mid-stream: the runs of one step split by it (2026-12-07, evening)."""
    together = run(34_000.0, all_members_after=0.0)
    late = run(25_000.0, all_members_after=1.3)
    result = all_runs([together, late, run(24_000.0, all_members_after=1.1)])
    assert every_run_text(result) == (
        "34,000 (all in at 0.0 s) / 25,000 (all in at 1.3 s) / 24,000 (all in at 1.1 s)"
    )


def test_a_group_coordinator_still_loading_reads_as_nothing_committed_yet() -> None:
    # The recorded run that failed: the harness asked for the offsets two minutes after
    # the broker was recreated, and the coordinator was not loaded yet.
    import asyncio

    from aiokafka.errors import GroupCoordinatorNotAvailableError

    from benchmarks.measure import committed

    class LoadingAdmin:
        calls = 0

        async def list_consumer_group_offsets(self, group: str) -> dict[Any, Any]:
            self.calls += 1
            raise GroupCoordinatorNotAvailableError(f"Unable to get coordinator id for {group}")

    admin = LoadingAdmin()
    assert asyncio.run(committed(admin, "bench.x.ours.1", "bench.x.events")) == {}
    assert admin.calls == 1


def test_cores_are_read_over_the_span_the_samples_cover() -> None:
    """A process busy on one core through a 4 s run whose samples fall 0.4 s inside
    each end used one core, not the 0.8 that dividing by the whole window would say."""
    sampler = Sampler({})
    sampler.cpu["aggregator"] = {1: [(100.0 + t, float(t)) for t in (0.4, 0.9, 1.4, 3.6)]}
    sampler.cpu["postgresql"] = {
        2: [(100.4, 10.0), (103.6, 11.6)],  # half a core
        3: [(100.4, 5.0), (103.6, 5.0)],  # idle
        4: [(100.4, 1.0)],  # one sample inside: says nothing
    }
    sampler.machine = [(99.0, 0.0), (100.4, 1.0), (103.6, 6.12)]
    cores = sampler.cores(100.0, 104.0)
    assert cores["aggregator"] == pytest.approx(1.0)
    assert cores["postgresql"] == pytest.approx(0.5)
    assert sampler.machine_cores(100.0, 104.0) == pytest.approx(1.6)
    assert sampler.machine_cores(103.0, 104.0) is None
