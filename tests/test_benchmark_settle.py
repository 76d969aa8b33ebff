"""Each timed run starts with what earlier steps wrote already on disk: the database's
buffers checkpointed, then the page cache synced (the broker's segments wait there, and
the kernel would write them out, all at once, in the middle of a later run). Settling
uses a connection of its own: the shared superuser connection is the sampler's while the
latency runs go on (the first full run with settling failed on it)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pytest

from benchmarks import steps
from benchmarks.bench import Bench


class Recorder:
    """Stands for the superuser connection and os.sync, noting what was asked, in order."""

    def __init__(self) -> None:
        self.done: list[str] = []

    async def execute(self, statement: str) -> str:
        self.done.append(statement)
        return "OK"

    def sync(self) -> None:
        self.done.append("sync")

    def is_closed(self) -> bool:
        return False

    async def close(self) -> None:
        self.done.append("close")


class Busy(Recorder):
    """The shared superuser connection while the sampler reads through it."""

    async def execute(self, statement: str) -> str:
        raise AssertionError("cannot perform operation: another operation is in progress")


def a_bench(recorder: Recorder, monkeypatch: pytest.MonkeyPatch) -> Bench:
    """A bench whose own connections are `recorder`, and whose shared superuser
    connection is always busy."""

    async def connect(dsn: str) -> Recorder:
        return recorder

    monkeypatch.setattr("benchmarks.bench.connect", connect)
    monkeypatch.setattr(os, "sync", recorder.sync)
    database: Any = type("Database", (), {"name": "bench_x", "dsns": {}})()
    return Bench(
        env={"IOC_DB_SUPERUSER_URL": "postgresql://superuser@127.0.0.1/ioc"},
        run="x",
        work=Path("."),
        database=database,
        topics=None,  # type: ignore[arg-type]
        reader=recorder,  # type: ignore[arg-type]
        superuser=Busy(),  # type: ignore[arg-type]
    )


async def test_settling_checkpoints_the_database_then_syncs_the_page_cache(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    recorder = Recorder()
    await a_bench(recorder, monkeypatch).settle()
    assert recorder.done == ["CHECKPOINT", "close", "sync"]


async def test_a_step_settles_after_emptying_the_tables_and_before_its_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    recorder = Recorder()
    bench = a_bench(recorder, monkeypatch)

    async def truncate(env: dict[str, str], database: str) -> None:
        recorder.done.append(f"truncate {database}")

    monkeypatch.setattr(steps, "truncate", truncate)

    async def run() -> dict[str, Any]:
        recorder.done.append("run")
        return {"events_per_second": 1.0}

    result = await steps.attempt_step("ours", bench, run, expect=None)
    assert "failed" not in result
    assert recorder.done == ["truncate bench_x", "CHECKPOINT", "close", "sync", "run"]


async def test_between_latency_runs_only_the_page_cache_is_written_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The database checkpoints on its own schedule between the runs: a checkpoint just
    before a run makes its first changes write whole pages to the WAL."""
    recorder = Recorder()
    await a_bench(recorder, monkeypatch).settle(checkpoint=False)
    assert recorder.done == ["sync"]
