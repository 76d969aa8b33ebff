"""The latency step starts with a warm-up run at its first rate, listed with its figures
and judged by no goal (the cold start of the first live run set the 10% goal's p99 on
every page before it), and keeps every run of a rate asked twice."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pytest

# The benchmarks are run, not installed.
from benchmarks import report_goals
from benchmarks.contenders import ours_latency
from benchmarks.report_latency import latency_table
from benchmarks.report_tables import goals


class Anything:
    """Stands for the topics and the aggregator process."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    async def create(self, name: str, partitions: int) -> str:
        return name

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass

    def wait_ready(self) -> None:
        pass


class Collector(Anything):
    """Stands for the announcement collector."""

    async def start(self) -> None:  # type: ignore[override]
        pass

    async def stop(self) -> None:  # type: ignore[override]
        pass


class Sampler(Anything):
    """Stands for the CPU sampler: started at once, stopped by awaiting."""

    async def stop(self) -> None:  # type: ignore[override]
        pass

    def cores(self, *window: float) -> dict[str, float]:
        return {}

    def machine_cores(self, *window: float) -> float:
        return 0.0


class StandInBench:
    serial, attempt, bootstrap = 1, 1, "127.0.0.1:1"
    topics = Anything()

    def group(self, name: str) -> str:
        return name

    def sampler(self, *args: Any, **kwargs: Any) -> Sampler:
        return Sampler()

    async def settle(self, *, checkpoint: bool = True) -> None:
        pass


def _figures(rate: float, p99: float) -> dict[str, Any]:
    committed = {"count": 10, "p10": 1.0, "p50": 2.0, "p90": 3.0, "p99": p99, "max": p99}
    return {
        "rate": rate,
        "achieved_rate": rate,
        "events": 10,
        "committed": committed,
        "write_started": committed,
        "acknowledged": committed,
        "samples_ms": [],
    }


@pytest.fixture
def runs_asked(monkeypatch: pytest.MonkeyPatch) -> list[tuple[float, float]]:
    """(rate, seconds) of every run the latency step asked the generator for."""
    asked: list[tuple[float, float]] = []

    async def run_at(
        bench: Any, route: Any, collector: Any, rate: float, seconds: float, *rest: Any
    ) -> dict[str, Any]:
        asked.append((rate, seconds))
        return {**_figures(rate, 50.0), "window": (0.0, 1.0)}

    monkeypatch.setattr(ours_latency, "_run_at", run_at)
    monkeypatch.setattr(ours_latency, "aggregator", lambda *a, **k: Anything())
    monkeypatch.setattr(ours_latency, "AnnouncementCollector", Collector)
    monkeypatch.setattr(ours_latency, "usage", lambda service: {})
    monkeypatch.setattr(ours_latency, "spent", lambda before, after, events: {})
    return asked


async def test_the_warm_up_runs_first_at_the_first_rate_and_is_marked(
    runs_asked: list[tuple[float, float]],
) -> None:
    runs = await ours_latency.latency(
        StandInBench(),  # type: ignore[arg-type]
        "dlq",
        rates=[2500, 12500],
        seconds=8,
        trickle=300,
        warm_up=True,
    )
    assert runs_asked == [(2500, ours_latency.WARM_UP_SECONDS), (2500, 8), (12500, 8), (300, 8)]
    assert list(runs) == ["2500 warm-up", "2500", "12500", "300 trickle"]
    assert runs["2500 warm-up"]["warm_up"] is True
    assert not any(run.get("warm_up") for key, run in runs.items() if key != "2500 warm-up")


async def test_without_a_warm_up_the_first_run_is_the_first_rate(
    runs_asked: list[tuple[float, float]],
) -> None:
    runs = await ours_latency.latency(StandInBench(), "dlq", rates=[2500], seconds=8)  # type: ignore[arg-type]
    assert runs_asked == [(2500, 8)]
    assert list(runs) == ["2500"]


async def test_a_rate_asked_twice_keeps_both_runs(runs_asked: list[tuple[float, float]]) -> None:
    runs = await ours_latency.latency(
        StandInBench(),  # type: ignore[arg-type]
        "dlq",
        rates=[2700, 13000, 2700, 2700],
        seconds=8,
    )
    assert list(runs) == ["2700", "13000", "2700 (2)", "2700 (3)"]


def test_the_goals_judge_the_runs_after_the_warm_up() -> None:
    latency = {
        "2500 warm-up": {**_figures(2500, 180.0), "warm_up": True},
        "2500": _figures(2500, 80.0),
        "12500": _figures(12500, 200.0),
        "22500": _figures(22500, 450.0),
        "300 trickle": {**_figures(300, 40.0), "trickle": True},
    }
    results = {"ours": {"events_per_second": 25_000.0}, "latency": latency}
    assert report_goals._latency_p99(results) == [80.0, 200.0, 450.0]
    issue = report_goals.issue_goals(results)
    assert "| p99 produce → row < 100 ms at 10% load | 80 ms | **met** |" in issue
    assert "| p99 produce → row < 500 ms at 90% load | 450 ms | **met** |" in issue
    _, figures = goals(results)
    assert figures["p99"] == 80.0
    # The warm-up is listed with its own figures, named as what it is.
    table = latency_table(latency, 25_000.0)
    assert "| warm-up (10%, not judged) | 2500 → 2500 | 10 | 1 | 2 | 3 | 180 | 180 |" in table


def test_a_partial_run_without_a_maximum_names_the_rates_asked() -> None:
    # `--only latency --latency-rates 20000`: no throughput step, so no share to name.
    latency = {"20000 warm-up": {**_figures(20000, 197.0), "warm_up": True}}
    latency["20000"] = _figures(20000, 212.0)
    table = latency_table(latency, None)
    assert "| warm-up | 20000 → 20000 |" in table
    assert "| 20000 events/s | 20000 → 20000 |" in table
    assert "| ? |" not in table
