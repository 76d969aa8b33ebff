"""The real aggregator, with wall-clock timers around the stages of a batch.

For the profiled run only: `python -m benchmarks.traced_aggregator` patches timers
around the aggregator's own functions (nothing else changes) and then runs
`ioc_aggregator.__main__.main`. py-spy says where the CPU goes; these timers say where
the wall-clock time goes, waiting included (database, Kafka acknowledgements, fetch).
The handler's stages follow one another; a batch is finished (stored, announced,
committed) in the background while the handler takes the next one, so those stages
overlap the handler's.
The totals are written as JSON to $IOC_BENCH_TRACE_FILE after every batch.
"""

from __future__ import annotations

import functools
import inspect
import json
import os
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer

import ioc_aggregator.application.usecase as usecase
import ioc_aggregator.inbound.pipeline as pipeline
import ioc_aggregator.inbound.subscriber as subscriber
import ioc_aggregator.outbound.observations as observations
from ioc_aggregator.__main__ import main
from ioc_aggregator.outbound.kafka_publisher import KafkaPublisher

SECONDS: defaultdict[str, float] = defaultdict(float)
CALLS: Counter[str] = Counter()
MISSING: list[str] = []
_state = {"handler_started": 0.0, "handler_ended": 0.0}


def _write(path: Path) -> None:
    trace = {"seconds": SECONDS, "calls": CALLS, "missing": MISSING}
    path.write_text(json.dumps(trace), encoding="utf-8")


def timed_sync(stage: str, function: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            SECONDS[stage] += time.perf_counter() - started
            CALLS[stage] += 1

    return wrapper


def timed_async(stage: str, function: Callable[..., Awaitable[Any]]) -> Callable[..., Any]:
    @functools.wraps(function)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return await function(*args, **kwargs)
        finally:
            SECONDS[stage] += time.perf_counter() - started
            CALLS[stage] += 1

    return wrapper


def install(path: Path) -> None:
    source_records = subscriber.source_records
    submit = pipeline.BatchPipeline.submit
    commit = AIOKafkaConsumer.commit

    def batch_started(message: Any) -> Any:
        # The first call of the handler: the time since the last one ended is the wait
        # for the next batch (fetch) and FastStream's parsing and decoding of it.
        now = time.perf_counter()
        if _state["handler_ended"]:
            SECONDS["between batches: fetch + FastStream parse/decode"] += (
                now - _state["handler_ended"]
            )
        _state["handler_started"] = now
        CALLS["batches"] += 1
        return timed_sync("records out of FastStream's message", source_records)(message)

    async def submitted(self: Any, *args: Any, **kwargs: Any) -> Any:
        # The handler's last step: it returns once its batch is handed on to be finished.
        try:
            return await submit(self, *args, **kwargs)
        finally:
            now = time.perf_counter()
            SECONDS["batch handler, in all"] += now - _state["handler_started"]
            _state["handler_ended"] = now
            _write(path)

    subscriber.source_records = batch_started
    pipeline.BatchPipeline.submit = submitted  # type: ignore[method-assign]
    AIOKafkaConsumer.commit = timed_async("commit offsets", commit)
    # The aggregator changes while we measure it: a stage whose function was renamed
    # is reported as missing rather than stopping the run.
    targets: list[tuple[Any, tuple[str, ...], str, bool]] = [
        (usecase.BatchProcessor, ("screen",), "screen: decode + catalog rules", True),
        (pipeline.BatchPipeline, ("_stored",), "wait for the batch ahead to be stored", True),
        (pipeline.BatchPipeline, ("_finish",), "finish a batch, in all", True),
        (usecase.BatchProcessor, ("_store",), "store: database transaction", True),
        # Where the store step calls it from (a name imported there, not the batch module's).
        (observations, ("series_announcements",), "build SeriesUpdated", False),
        (KafkaPublisher, ("series_updated",), "publish SeriesUpdated, wait for acks", True),
    ]
    for owner, names, stage, asynchronous in targets:
        name = next((n for n in names if hasattr(owner, n)), None)
        if name is None:
            MISSING.append(stage)
            continue
        wrap = timed_async if asynchronous else timed_sync
        timed = wrap(stage, getattr(owner, name))
        if isinstance(inspect.getattr_static(owner, name), staticmethod):
            timed = staticmethod(timed)
        setattr(owner, name, timed)


if __name__ == "__main__":
    install(Path(os.environ["IOC_BENCH_TRACE_FILE"]))
    main()
