"""One benchmark run's shared state, and how a consuming contender is timed."""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

from benchmarks.infrastructure import Topics, connect
from benchmarks.measure import (
    KAFKA_BROKER,
    PidSource,
    Sampler,
    autovacuum_workers,
    end_offsets,
    postgres_processes,
    wait_for_completion,
)
from ioc_storage.connection import Connection
from ioc_testing.infrastructure import ScratchDatabase


class Stoppable(Protocol):
    def stop(self) -> None: ...


P = TypeVar("P", bound=Stoppable)


@dataclass
class Bench:
    env: dict[str, str]
    run: str  # unique per run: names of topics, groups, the database, the Connect role
    work: Path  # .local/bench/<run>: logs, ledgers, the Connect worker's files
    database: ScratchDatabase
    topics: Topics
    reader: Connection
    superuser: Connection  # for pg_stat_activity (memory of the database's backends)
    started: list[Stoppable] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)  # login roles to drop at the end
    attempt: int = 1  # 2 when a disturbed step runs again
    serial: int = 0  # counts every execution: new consumer groups, topics, connectors

    @property
    def bootstrap(self) -> str:
        return self.env["IOC_KAFKA_BOOTSTRAP_SERVERS"]

    def track(self, process: P) -> P:
        """Every process the run starts, so the run stops it whatever went wrong."""
        self.started.append(process)
        return process

    def stop_all(self) -> None:
        for process in reversed(self.started):
            with contextlib.suppress(Exception):
                process.stop()

    async def reconnect(self) -> None:
        """New connections if the shared server was restarted (other engineers' fault
        tests restart it) since the last step."""
        if self.reader.is_closed():
            self.reader = await connect(self.database.dsns["reader"])
        if self.superuser.is_closed():
            self.superuser = await connect(self.env["IOC_DB_SUPERUSER_URL"])

    async def settle(self, *, checkpoint: bool = True) -> None:
        """What earlier steps wrote goes to disk before the next run is timed: the
        database's dirty buffers (CHECKPOINT, before each contender), then the page
        cache (`sync`), where the broker's segments (the prefilled topics, earlier runs'
        events) wait.

        The kernel writes dirty pages out once they are 30 s old, all at once: a run that
        began within 30 s of a step that wrote a few hundred MB had that step's pages
        written out in the middle of it (141 MB in a quarter second, 2026-12-07), and
        PostgreSQL's WAL flush waited behind them (a COMMIT of 90 ms, the run's slowest
        events). That is the earlier step's cost, not the run's; the run's own writes are
        still written out while it runs, as in service. Between the latency runs the
        database checkpoints on its own schedule, as in service (`checkpoint=False`):
        right after a checkpoint every page's first change writes the whole page to the
        WAL, a cost of the checkpoint's timing, not of the load.

        A connection of its own: the sampler reads `pg_stat_activity` on `superuser`
        while the latency runs go on, and asyncpg runs one operation at a time."""
        if checkpoint:
            connection = await connect(self.env["IOC_DB_SUPERUSER_URL"])
            try:
                await connection.execute("CHECKPOINT")
            finally:
                await connection.close()
        await asyncio.to_thread(os.sync)

    async def identity(self) -> tuple[str, str]:
        """When PostgreSQL started and which process the broker is: a step during which
        either changed was disturbed by someone else and says so in the report."""
        await self.reconnect()
        started = await self.superuser.fetchval("SELECT pg_postmaster_start_time()::text")
        broker = await KAFKA_BROKER()
        return str(started), str(broker[:1])

    async def wait_until_steady(self, seconds: float, within: float) -> None:
        """Until PostgreSQL and the broker have kept running for `seconds`."""
        deadline = time.time() + within
        steady_since, last = time.time(), None
        while time.time() < deadline:
            with contextlib.suppress(Exception):
                now = await self.identity()
                if now != last:
                    steady_since, last = time.time(), now
                elif time.time() - steady_since >= seconds:
                    return
            await asyncio.sleep(1.0)

    def group(self, name: str) -> str:
        return f"bench.{self.run}.{name}.{self.serial}"

    def sampler(self, processes: dict[str, PidSource], *, memory: bool = True) -> Sampler:
        return Sampler(
            {
                "kafka broker": KAFKA_BROKER,
                "postgresql": postgres_processes(self.superuser, self.database.name),
                "autovacuum": autovacuum_workers(self.superuser),
                **processes,
            },
            memory=memory,
        )

    async def consumed(
        self,
        *,
        group: str,
        topic: str,
        events: int,
        within: float,
        processes: dict[str, PidSource],
        alive: Callable[[], bool] = lambda: True,
    ) -> dict[str, Any]:
        """Waits until every row is committed and the group's offsets are at the end.

        Throughput is events / (completion − start of the first write transaction), so
        start-up (JVM, imports, group join) is not counted, for any contender.
        """
        ends = await end_offsets(self.bootstrap, topic)
        sampler = self.sampler(processes)
        sampler.start()
        try:
            completion = await wait_for_completion(
                reader=self.reader,
                admin=self.topics.admin,
                group=group,
                topic=topic,
                ends=ends,
                events=events,
                within=within,
                alive=alive,
            )
        finally:
            memory = await sampler.stop()
        result: dict[str, Any] = {
            "events": events,
            "rows": completion.rows,
            "timed_out": completion.timed_out,
            "memory": memory,
            "started": completion.first_row_started,
            "seconds": completion.done - completion.first_row_started,
            "events_per_second": completion.events_per_second(events),
            # Cores each process group used while the contender worked (2 in all).
            "cpu_cores": sampler.cores(completion.first_row_started, completion.done),
            # Everything on the machine: the labelled processes, this harness, the
            # kernel's network and disk work, anything else running.
            "machine_cores": sampler.machine_cores(completion.first_row_started, completion.done),
        }
        if completion.timed_out:
            # Normalised: what was committed by the deadline, per second.
            elapsed = max(time.time() - completion.first_row_started, 1e-9)
            result["events_per_second"] = completion.rows / elapsed
        return result
