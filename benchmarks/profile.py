"""Where the aggregator's time goes, from a py-spy speedscope profile.

Each sample is put in the stage of the batch it was in: the innermost frame that
belongs to one of the stages below (or, outside them, the library it was in). The alert
pass's profile is read the same way, with stages of its own (`alert_profile.py`).
Idle time (waiting in epoll) is not sampled by py-spy without --idle, so shares are
of the time the process was on a CPU.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

Stages = tuple[tuple[str, str, str | None], ...]
Libraries = tuple[tuple[str, str], ...]

# (stage, file suffix, function or None for any): innermost match wins.
STAGES: Stages = (
    ("screen: decode (msgspec; pydantic when it declines)", "ioc_contracts/event_bytes.py", None),
    ("screen: decode (msgspec; pydantic when it declines)", "ioc_contracts/fast_decoding.py", None),
    ("screen: catalog rules (grants, clock, floor, quality)", "ioc_catalog/screening.py", None),
    (
        "screen: catalog rules (grants, clock, floor, quality)",
        "ioc_aggregator/domain/screening.py",
        None,
    ),
    (
        "store: COPY + latest values (asyncpg)",
        "ioc_aggregator/outbound/observations.py",
        None,
    ),
    ("build SeriesUpdated (msgspec)", "ioc_aggregator/domain/batch.py", "series_announcements"),
    (
        "publish SeriesUpdated (aiokafka producer)",
        "ioc_aggregator/outbound/kafka_publisher.py",
        None,
    ),
    ("commit offsets", "ioc_aggregator/inbound/partitions.py", "commit"),
    # What a growing batch fetches is Kafka's work, as it is for the batch FastStream
    # hands in.
    (
        "Kafka fetch + record parsing (aiokafka consumer)",
        "ioc_aggregator/inbound/partitions.py",
        "fetched_meanwhile",
    ),
    ("hand batches on, in order", "ioc_aggregator/inbound/pipeline.py", None),
    ("hand batches on, in order", "ioc_aggregator/inbound/growth.py", None),
    (
        "records out of FastStream's message",
        "ioc_aggregator/inbound/subscriber.py",
        "source_records",
    ),
    ("other batch bookkeeping", "ioc_aggregator/application/usecase.py", None),
)
LIBRARIES: Libraries = (
    ("Kafka fetch + record parsing (aiokafka consumer)", "aiokafka/consumer/"),
    ("Kafka producer (aiokafka sender, batching)", "aiokafka/producer/"),
    ("aiokafka client / connection", "aiokafka/"),
    ("FastStream subscriber machinery", "faststream/"),
    ("asyncpg protocol", "asyncpg/"),
    ("event loop: uvloop (native), socket I/O, callbacks", "asyncio/"),
)


def _under(stack: list[dict[str, Any]], rules: Stages) -> bool:
    return any(
        frame.get("file", "").endswith(suffix) and function in (None, frame.get("name"))
        for frame in stack
        for _, suffix, function in rules
    )


def _stage(stack: list[dict[str, Any]], stages: Stages, libraries: Libraries) -> str:
    for frame in reversed(stack):
        file = frame.get("file", "")
        name = frame.get("name", "")
        for stage, suffix, function in stages:
            if file.endswith(suffix) and (function is None or name == function):
                return stage
    for frame in reversed(stack):
        for library, part in libraries:
            if part in frame.get("file", ""):
                return library
    return "other (interpreter, GC, logging, metrics)"


def summarise(
    path: Path,
    top: int = 12,
    *,
    stages: Stages = STAGES,
    libraries: Libraries = LIBRARIES,
    skip: Stages = (),
) -> dict[str, Any]:
    """Shares of the CPU samples by stage, and the hottest functions; samples with a
    frame matching `skip` (an import, say: module code run by it is start-up wherever
    its file lies) are left out and counted as `skipped` seconds."""
    data = json.loads(path.read_text(encoding="utf-8"))
    frames = data["shared"]["frames"]
    shares: Counter[str] = Counter()
    leaves: Counter[str] = Counter()
    total = skipped = 0.0
    for profile in data["profiles"]:
        for sample, weight in zip(profile["samples"], profile["weights"], strict=True):
            if not sample:
                continue
            stack = [frames[i] for i in sample]
            if _under(stack, skip):
                skipped += weight
                continue
            shares[_stage(stack, stages, libraries)] += weight
            leaf = stack[-1]
            leaves[f"{leaf['name']} ({Path(leaf.get('file', '?')).name})"] += weight
            total += weight
    total = total or 1.0
    return {
        "samples": total,  # seconds: py-spy weighs each sample by its interval
        "skipped": skipped,
        "stages": [(name, weight / total) for name, weight in shares.most_common()],
        "top_self": [(name, weight / total) for name, weight in leaves.most_common(top)],
    }


# As benchmarks/traced_aggregator.py names them. The handler's parts follow one another
# and, with the wait between batches, make up the wall time; a batch is finished in the
# background, alongside the handler's work on the next one.
HANDLER_PARTS = (
    "records out of FastStream's message",
    "screen: decode + catalog rules",
    "wait for the batch ahead to be stored",
)
BACKGROUND_PARTS = (
    "store: database transaction",
    "build SeriesUpdated",
    "publish SeriesUpdated, wait for acks",
    "commit offsets",
)
BETWEEN = "between batches: fetch + FastStream parse/decode"
FINISH = "finish a batch, in all"


def wall_clock(trace: dict[str, Any]) -> list[tuple[str, float, float, float, bool]]:
    """(stage, seconds, share of the wall time, ms per batch, in the background) from the
    stage timers; the background stages overlap the others, so shares add up past 100%."""
    seconds = trace.get("seconds", {})
    batches = max(trace.get("calls", {}).get("batches", 0), 1)
    handler = seconds.get("batch handler, in all", 0.0)
    parts = {name: seconds.get(name, 0.0) for name in HANDLER_PARTS}
    parts["rest of the handler (metrics, hand-over)"] = max(handler - sum(parts.values()), 0.0)
    parts[BETWEEN] = seconds.get(BETWEEN, 0.0)
    total = sum(parts.values()) or 1.0
    rows = [
        (name, value, value / total, value / batches * 1000, False)
        for name, value in sorted(parts.items(), key=lambda item: -item[1])
    ]
    background = {name: seconds.get(name, 0.0) for name in (FINISH, *BACKGROUND_PARTS)}
    rows += [
        (name, value, value / total, value / batches * 1000, True)
        for name, value in sorted(background.items(), key=lambda item: -item[1])
    ]
    return rows


def profile_tables(profile: dict[str, Any], parts: str) -> str:
    """The shares of a summarised profile (`summarise`) by `parts`, then its hottest
    functions, as the page shows them."""
    rows = "\n".join(f"| {name} | {share * 100:.1f}% |" for name, share in profile["stages"])
    top = "\n".join(f"| `{name}` | {share * 100:.1f}% |" for name, share in profile["top_self"])
    return f"""| {parts} | share of CPU samples |
|---|---|
{rows}

| hottest functions (self time) | share |
|---|---|
{top}"""
