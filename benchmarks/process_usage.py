"""Which processes a contender runs as, and what they use: peak memory and the CPU time
from which the cores used in any window are read back."""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil  # type: ignore[import-untyped]  # no stubs in the dev group

from benchmarks.infrastructure import ROOT
from ioc_storage.connection import Connection

PidSource = Callable[[], Awaitable[list[int]]]


def with_descendants(pid: int) -> list[int]:
    try:
        return [pid, *(child.pid for child in psutil.Process(pid).children(recursive=True))]
    except psutil.Error:
        return []


def pid_file(path: Path) -> PidSource:
    """The process in a pid file and its descendants: the runner scripts record the
    shell that runs the JVM, not the JVM itself."""

    async def pids() -> list[int]:
        with contextlib.suppress(OSError, ValueError):
            return with_descendants(int(path.read_text().split()[0]))  # noqa: ASYNC240 - tiny file
        return []

    return pids


def fixed(*pids: int) -> PidSource:
    return listed(list(pids))


def listed(pids: list[int]) -> PidSource:
    """Whatever `pids` holds when sampled: the caller fills and empties it."""

    async def current() -> list[int]:
        return list(pids)

    return current


def of_process(service: Any) -> PidSource:
    """A started service's process (anything with a `process` attribute from Popen)."""

    async def pids() -> list[int]:
        process = service.process
        return [process.pid] if process is not None else []

    return pids


def _kafka_broker() -> PidSource:
    """The JVM running this checkout's broker, found by its command line: the pid file
    may name a shell that is gone (the runner script changed how it records it)."""
    # Resolved: the broker may have been started through another path to the same
    # folder (a symlinked `.local`, a worktree), and its command line says that path.
    config = os.path.realpath(ROOT / ".local" / "kafka" / "server.properties")
    known: list[int] = []

    async def pids() -> list[int]:
        if known and psutil.pid_exists(known[0]):
            return list(known)
        known.clear()
        for process in psutil.process_iter(["cmdline"]):
            command = process.info["cmdline"] or []
            if "kafka.Kafka" in command and config in map(os.path.realpath, command):
                known.append(process.pid)
        return list(known)

    return pids


KAFKA_BROKER = _kafka_broker()


def postgres_processes(superuser: Connection, database: str) -> PidSource:
    """The backends of the benchmark's database and the server's own helpers
    (checkpointer, WAL writer, ...), not other engineers' test databases, nor the
    autovacuum workers (`autovacuum_workers`)."""

    async def pids() -> list[int]:
        rows = await superuser.fetch(
            "SELECT pid FROM pg_stat_activity WHERE (datname = $1 OR datname IS NULL) "
            "AND backend_type <> 'autovacuum worker' AND pid <> pg_backend_pid()",
            database,
        )
        return [row["pid"] for row in rows]

    return pids


def autovacuum_workers(superuser: Connection) -> PidSource:
    """PostgreSQL's autovacuum workers, in any database. The launcher visits each
    database about once a minute; right after the benchmark empties the tables, every
    thousand rows inserted makes a chunk due for a vacuum and an analyze, so a worker
    may take a core in the middle of a short latency run (2026-12-07: a 10% run's slow
    second matched one; the other run that night had none and a p99 of 63 ms). Counted
    apart so the report shows when it happened."""

    async def pids() -> list[int]:
        rows = await superuser.fetch(
            "SELECT pid FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'"
        )
        return [row["pid"] for row in rows]

    return pids


@dataclass
class Sampler:
    """Samples every 0.5 s: each label's peak memory (summed over its pids) and the CPU
    time of each pid, so the cores a label used in any window can be read back.

    RSS for single processes; PSS (proportional set size) for PostgreSQL, whose
    backends share the buffer cache: summing their RSS would count it once per backend.
    """

    sources: dict[str, PidSource]
    proportional: frozenset[str] = frozenset({"postgresql"})
    interval: float = 0.5
    # Off: CPU times only. Reading PostgreSQL's PSS walks each backend's memory map,
    # a tenth of a core at this interval, taken from the run being measured.
    memory: bool = True
    peaks: dict[str, int] = field(default_factory=dict)
    cpu: dict[str, dict[int, list[tuple[float, float]]]] = field(default_factory=dict)
    # The whole machine's busy CPU seconds (every core, the kernel's work included):
    # what the labelled processes leave unexplained is everyone else's.
    machine: list[tuple[float, float]] = field(default_factory=list)
    _task: asyncio.Task[None] | None = None

    def _measure(self, label: str, pids: list[int]) -> int:
        total = 0
        now = time.time()
        for pid in pids:
            with contextlib.suppress(psutil.Error):
                process = psutil.Process(pid)
                if self.memory:
                    if label in self.proportional:
                        total += process.memory_full_info().pss
                    else:
                        total += process.memory_info().rss
                times = process.cpu_times()
                series = self.cpu.setdefault(label, {}).setdefault(pid, [])
                series.append((now, times.user + times.system))
        return total

    async def sample(self) -> None:
        times = psutil.cpu_times()
        # Linux's busy states (guest time is inside user already; steal is not ours).
        busy = times.user + times.nice + times.system + times.irq + times.softirq
        self.machine.append((time.time(), busy))
        for label, source in self.sources.items():
            used = self._measure(label, await source())
            self.peaks[label] = max(self.peaks.get(label, 0), used)

    def cores(self, start: float, end: float) -> dict[str, float]:
        """CPU seconds per second each label used between `start` and `end`.

        Each process's rate is read over the span its samples inside the window cover,
        not over the whole window: with a sample every 0.5 s, the first and last can lie
        up to that far inside a run of 4 s, and dividing by the window counted the
        uncovered ends as idle (a quarter of the cores, at worst)."""
        usage = {}
        for label, processes in self.cpu.items():
            seconds = 0.0
            first, last = end, start
            for series in processes.values():
                inside = [(t, c) for t, c in series if start <= t <= end]
                if len(inside) >= 2:
                    seconds += inside[-1][1] - inside[0][1]
                    first, last = min(first, inside[0][0]), max(last, inside[-1][0])
            # One span per label: its processes are sampled together, and a backend that
            # is busy for one burst must not count as busy for the whole run.
            if last > first:  # a window shorter than two samples says nothing
                usage[label] = seconds / (last - first)
        return usage

    def machine_cores(self, start: float, end: float) -> float | None:
        """Cores busy on the whole machine between `start` and `end`, whoever used them."""
        inside = [(t, c) for t, c in self.machine if start <= t <= end]
        if len(inside) < 2 or inside[-1][0] <= inside[0][0]:
            return None
        return (inside[-1][1] - inside[0][1]) / (inside[-1][0] - inside[0][0])

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(Exception):
                await self.sample()
            await asyncio.sleep(self.interval)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> dict[str, int]:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        return dict(self.peaks)
