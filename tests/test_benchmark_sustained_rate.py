"""The latency report keeps the 90% goal on the maximum measured on a prefilled topic
and shows the run at 90% of the rate sustained live beside it, with the probes that
found that rate; each run's p99 is also drawn half second by half second."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import asyncpg
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# The benchmarks are run, not installed.
from benchmarks import report_goals
from benchmarks.contenders.sustained import kept_up, sustained_rate
from benchmarks.measure import autovacuum_workers, p99_by_window, postgres_processes
from benchmarks.plots import latency_timeline
from benchmarks.report_latency import latency_cores_table, latency_table, sustained_table


def _run(
    rate: float, p99: float, *, achieved: float | None = None, top: float = 800.0
) -> dict[str, Any]:
    committed = {"count": 10, "p10": 1.0, "p50": 2.0, "p90": 3.0, "p99": p99, "max": top}
    return {
        "rate": rate,
        "achieved_rate": achieved if achieved is not None else rate,
        "events": 10,
        "committed": committed,
        "write_started": committed,
        "acknowledged": committed,
        "samples_ms": [],
    }


def test_a_probe_is_kept_up_only_if_every_event_made_it_within_a_second() -> None:
    assert kept_up(_run(1000, 300.0, top=999.0))
    assert not kept_up(_run(1000, 300.0, top=1001.0))
    assert not kept_up(_run(1000, 300.0, achieved=960.0))  # the generator fell behind
    missing = _run(1000, 300.0)
    missing["committed"] = {**missing["committed"], "count": 9}
    assert not kept_up(missing)


def _steady(ms: float, *, climb_per_second: float = 0.0) -> list[list[float]]:
    """A 6 s timeline, 100 events a second, around `ms` (±10 ms), climbing by
    `climb_per_second`."""
    return [
        [n / 100, ms + climb_per_second * n / 100 + (10.0 if n % 2 else -10.0)] for n in range(600)
    ]


def test_a_probe_whose_latency_climbs_is_not_kept_up() -> None:
    flat = {**_run(1000, 300.0, top=400.0), "timeline": _steady(300.0)}
    assert kept_up(flat)
    # A backlog growing 30 ms a second: every event under a second, yet not kept up.
    climbing = {**_run(1000, 600.0, top=700.0), "timeline": _steady(300.0, climb_per_second=30.0)}
    assert not kept_up(climbing)
    # 10 ms a second over the probe's four seconds is within the noise bound.
    slow = {**_run(1000, 400.0, top=450.0), "timeline": _steady(300.0, climb_per_second=10.0)}
    assert kept_up(slow)
    # A stall in the first second, then the queue drained: the start is not judged.
    drained = _steady(100.0)
    drained[:50] = [[n / 100, 900.0 - n * 10] for n in range(50)]
    assert kept_up({**_run(1000, 900.0, top=900.0), "timeline": drained})


def _results() -> dict[str, Any]:
    probes = [
        {"kept_up": True, **_run(6000, 200.0)},
        {"kept_up": True, **_run(7000, 300.0)},
        {"kept_up": False, **_run(8000, 2000.0, top=3000.0)},
    ]
    return {
        "ours": {"events_per_second": 10_000.0},
        "latency": {
            "1000": _run(1000, 90.0),
            "5000": _run(5000, 300.0),
            "9000": _run(9000, 1500.0),
            # After the shares: neither the 10% nor the 90% goal is read from it.
            "300 trickle": {**_run(300, 5000.0), "trickle": True},
            "sustained": {"probes": probes, "rate": 7000, "share": 0.9},
            "6300 of sustained": {**_run(6300, 420.0), "of_sustained": 0.9},
        },
    }


class _Pipeline:
    """Keeps up with any rate up to `limit`; records the rates it was probed at."""

    def __init__(self, limit: float, *, ids_for: int = 99) -> None:
        self.limit, self.ids_for, self.probed = limit, ids_for, list[float]()

    async def __call__(self, rate: float) -> bool | None:
        if len(self.probed) == self.ids_for:
            return None
        self.probed.append(rate)
        return rate <= self.limit


async def test_probing_goes_up_until_a_rate_is_not_kept_up() -> None:
    pipeline = _Pipeline(limit=8_000)
    assert await sustained_rate(10_000, pipeline) == 8_000
    assert pipeline.probed == [6_000, 7_000, 8_000, 9_000]


async def test_probing_steps_down_when_the_first_share_is_too_much() -> None:
    pipeline = _Pipeline(limit=3_500)
    assert await sustained_rate(10_000, pipeline) == 3_000
    assert pipeline.probed == [6_000, 5_000, 4_000, 3_000]


async def test_probing_names_no_rate_when_none_is_kept_up_or_the_ids_run_out() -> None:
    assert await sustained_rate(10_000, _Pipeline(limit=500)) is None
    assert await sustained_rate(10_000, _Pipeline(limit=3_500, ids_for=2)) is None
    assert await sustained_rate(10_000, _Pipeline(limit=9_500, ids_for=2)) == 7_000


def test_the_goal_at_90_percent_stays_on_the_prefilled_maximum() -> None:
    table = report_goals.issue_goals(_results())
    assert "| p99 produce → row < 100 ms at 10% load | 90 ms | **met** |" in table
    assert "| p99 produce → row < 500 ms at 90% load | 1,500 ms | **not met** |" in table
    assert "rate sustained live, 7,000 events/s; see *Latency*) | 420 ms | **met** |" in table


def test_the_latency_table_names_the_run_at_90_percent_of_the_sustained_rate() -> None:
    runs = {k: v for k, v in _results()["latency"].items() if "committed" in v}
    rows = latency_table(runs, 10_000.0).splitlines()[2:]
    assert [row.split(" | ")[0] for row in rows] == [
        "| 10%",
        "| 50%",
        "| 90%",
        "| trickle",
        "| 90% of sustained",
    ]


def test_the_probes_say_which_rates_were_kept_up() -> None:
    table = sustained_table(_results()["latency"]["sustained"], 10_000.0)
    assert "| 70% | 7000 → 7000 | 300 | 800 | yes |" in table
    assert "| 80% | 8000 → 8000 | 2,000 | 3,000 | no |" in table
    assert sustained_table(None, 10_000.0) == "not probed"


def test_each_half_second_of_a_run_gets_its_own_p99() -> None:
    # 100 events in the first half second, all quick; a stall in the third.
    timeline = [[n / 200, 20.0] for n in range(100)] + [[1.0 + n / 200, 900.0] for n in range(100)]
    timeline[50][1] = 45.0
    assert p99_by_window(timeline, 0.5) == [(0.25, 20.0), (1.25, 900.0)]


def test_the_timeline_plot_draws_runs_with_and_without_a_timeline(tmp_path: Path) -> None:
    runs = _results()["latency"]
    drawn = {k: v for k, v in runs.items() if "committed" in v}
    drawn["1000"]["timeline"] = [[0.1, 30.0], [0.7, 35.0], [1.2, 400.0]]
    latency_timeline(drawn, tmp_path / "timeline.png")
    assert (tmp_path / "timeline.png").stat().st_size > 0


def test_probing_stopped_for_want_of_ids_is_said_under_the_probes() -> None:
    sustained = {**_results()["latency"]["sustained"], "stopped": "the ids ran out"}
    assert sustained_table(sustained, 10_000.0).endswith("Probing stopped early: the ids ran out.")


def test_the_cores_table_says_who_used_the_machine_in_each_sampled_run() -> None:
    runs = {k: v for k, v in _results()["latency"].items() if "committed" in v}
    runs["9000"] = {
        **runs["9000"],
        "cores": {"aggregator": 0.9, "load generator": 0.31, "postgresql": 0.6, "autovacuum": 0.4},
        "machine_cores": 1.97,
    }
    rows = latency_cores_table(runs, 10_000.0).splitlines()
    assert rows[0].startswith(
        "| load | aggregator | load generator | kafka broker | postgresql | autovacuum |"
    )
    # Only the run that was sampled; a group not seen shows as a dash.
    assert rows[2:] == ["| 90% | 0.90 | 0.31 | — | 0.60 | 0.40 | — | 1.97 |"]
    assert latency_cores_table({"1000": _run(1000, 90.0)}, 10_000.0) == ("not recorded in this run")


@pytest.mark.connected
async def test_the_samplers_database_queries_run_and_keep_autovacuum_apart() -> None:
    """The sampler's two PostgreSQL sources against the real server: valid SQL, the
    server's own helpers found, and no pid counted under both labels."""
    superuser = await asyncpg.connect(os.environ["IOC_DB_SUPERUSER_URL"])
    try:
        backends = await postgres_processes(superuser, "ioc")()
        workers = await autovacuum_workers(superuser)()
        rows = await superuser.fetch("SELECT pid, backend_type FROM pg_stat_activity")
        kinds: dict[int, str] = {row["pid"]: row["backend_type"] for row in rows}
    finally:
        await superuser.close()
    assert "checkpointer" in {kinds.get(pid) for pid in backends}
    assert all(kinds.get(pid) == "autovacuum worker" for pid in workers)
    assert not set(backends) & set(workers)
