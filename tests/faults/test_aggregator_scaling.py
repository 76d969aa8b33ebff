"""Aggregator replicas join and leave one group mid-stream: 1 → 2 → 3, a rolling restart
(SIGTERM one by one), then 3 → 2 → 1; with static group membership and without.

Every join and leave is a rebalance that takes partitions from a replica while it has
batches in flight. Those batches are finished or handed back, the next owner continues
where the committed offsets say, and no replica falls into an error loop.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from aiokafka import AIOKafkaProducer

from ioc_testing.ledger import LoadGenerator, stored_count
from ioc_testing.pipeline import PipelineTopics, ServiceProcess, wait_for

if TYPE_CHECKING:
    from ioc_testing import ScratchDatabase

    from .conftest import Conclude, ReadMetric

pytestmark = pytest.mark.connected

REPLICAS = 3
# A backlog first, so that every replica change lands while full batches (2,000 records)
# are in flight, as in the benchmark whose two-replica run once stalled; then each step
# waits for this many more rows.
BACKLOG = 2_000
ROWS_PER_STEP = 300
# At most: the load goes on until the last replica change is done (a stream that ran dry
# before it would leave the last steps nothing to store).
EVENTS = 200_000
# More than this many warnings or errors in one replica's log is a loop, not a rebalance.
MAX_PROBLEM_LINES = 40


class Replicas:
    """Aggregator processes of one consumer group, started and stopped by index."""

    def __init__(self, template: ServiceProcess, *, static: bool, folder: Path) -> None:
        self.processes: list[ServiceProcess] = []
        for index in range(REPLICAS):
            env = dict(template.env)
            env.pop("IOC_HTTP_PORT")
            if static:
                env["IOC_AGGREGATOR_GROUP_INSTANCE_ID"] = (
                    f"{env['IOC_AGGREGATOR_GROUP_ID']}-{index}"
                )
            else:
                env.pop("IOC_AGGREGATOR_GROUP_INSTANCE_ID", None)
            self.processes.append(
                ServiceProcess(template.module, env, folder / f"aggregator-{index}.log")
            )

    async def start(self, index: int) -> None:
        process = self.processes[index]
        process.start()
        await asyncio.to_thread(process.wait_ready)

    async def stop(self, index: int) -> None:
        """SIGTERM, as Kubernetes stops a pod; waits for the process to exit."""
        await asyncio.to_thread(self.processes[index].stop)

    def kill_all(self) -> None:
        for process in self.processes:
            process.kill()

    def problems(self) -> dict[str, list[str]]:
        """Warning and error lines of each replica's log, and any traceback."""
        found: dict[str, list[str]] = {}
        for process in self.processes:
            lines = []
            if process.log_path.exists():
                for line in process.log_path.read_text(errors="replace").splitlines():
                    try:
                        entry = json.loads(line)
                    except ValueError:
                        lines.append(line)  # not ours: a traceback printed raw
                        continue
                    if entry.get("level") in ("warning", "error", "critical"):
                        lines.append(f"{entry.get('message')} {entry.get('exception', '')}")
            found[process.log_path.name] = lines
        return found


@pytest.fixture(params=[True, False], ids=["static", "dynamic"])
def replicas(
    request: pytest.FixtureRequest, aggregator_process: ServiceProcess, tmp_path: Path
) -> Iterator[Replicas]:
    group = Replicas(aggregator_process, static=bool(request.param), folder=tmp_path)
    yield group
    group.kill_all()


async def more_rows(database: ScratchDatabase, rows: int) -> None:
    """Waits until `rows` more observations are stored than now (the stream moves on)."""
    reader = database.dsns["reader"]
    target = await stored_count(reader) + rows

    async def reached() -> bool:
        return await stored_count(reader) >= target

    await wait_for(reached, within=90, what=f"{rows} more stored rows")


async def test_replicas_join_leave_and_restart_mid_stream(
    replicas: Replicas,
    catalog_database: ScratchDatabase,
    pipeline_topics: PipelineTopics,
    producer: AIOKafkaProducer,
    load: LoadGenerator,
    conclude: Conclude,
    read_metric: ReadMetric,
) -> None:
    static = "IOC_AGGREGATOR_GROUP_INSTANCE_ID" in replicas.processes[0].env
    for _ in range(BACKLOG // 1000):
        await load.to_kafka(producer, pipeline_topics.events, load.events(1000))
    done = asyncio.Event()
    streaming = asyncio.create_task(
        load.stream(producer, pipeline_topics.events, EVENTS, chunk=100, pause=0.1, until=done)
    )
    steps = [
        ("start", 0),
        ("start", 1),
        ("start", 2),
        # Rolling restart: each replica stopped with SIGTERM and started again.
        ("stop", 0),
        ("start", 0),
        ("stop", 1),
        ("start", 1),
        ("stop", 2),
        ("start", 2),
        # Scale in again: 3 → 2 → 1.
        ("stop", 2),
        ("stop", 1),
    ]
    try:
        for action, index in steps:
            await (replicas.start(index) if action == "start" else replicas.stop(index))
            await more_rows(catalog_database, ROWS_PER_STEP)
        consumed = read_metric(replicas.processes[0], "ioc_aggregator_events_consumed_total")
    finally:
        done.set()
        async with asyncio.timeout(60):
            await streaming
    assert consumed > 0

    membership = "static" if static else "dynamic"
    reconciliation = await conclude(
        replicas.processes[0],
        fault=f"aggregator replicas 1→2→3→2→1, rolling SIGTERM ({membership} membership)",
        description="aggregator replicas of one group join and leave mid-stream (1→2→3, a "
        "rolling restart with SIGTERM one by one, 3→2→1), each change once "
        f"{ROWS_PER_STEP} more rows are stored; {membership} group membership",
    )
    problems = replicas.problems()
    everything = "\n".join(line for lines in problems.values() for line in lines)
    assert "Partition is not assigned" not in everything, everything[-3000:]
    assert "Traceback" not in everything, everything[-3000:]
    for name, lines in problems.items():
        assert len(lines) <= MAX_PROBLEM_LINES, f"{name}: {len(lines)} lines\n" + "\n".join(
            lines[-20:]
        )
    assert reconciliation.stored >= ROWS_PER_STEP * len(steps)
