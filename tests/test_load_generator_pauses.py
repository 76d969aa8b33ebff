"""The load generator does not stop to collect garbage while it sends: its ledger's
times are when messages were due, so a pause of its own would count against the system
measured. Checked on a stand-in producer (no Kafka needed for what is checked here)."""

from __future__ import annotations

import asyncio
import gc
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.loadgen import produce  # (the benchmarks are run, not installed)


class _Builder:
    def __init__(self) -> None:
        self.records: list[bytes] = []

    def append(self, *, key: bytes, value: bytes, timestamp: None) -> object:
        self.records.append(value)
        return object()


class _Producer:
    """Just what `produce` calls; notes whether the collector ran at each send."""

    def __init__(self) -> None:
        self.collecting_at_send: list[bool] = []

    async def partitions_for(self, topic: str) -> set[int]:
        return {0, 1, 2}

    def create_batch(self) -> _Builder:
        return _Builder()

    async def send_batch(self, builder: _Builder, topic: str, *, partition: int) -> Any:
        self.collecting_at_send.append(gc.isenabled())
        future = asyncio.get_running_loop().create_future()
        future.set_result(None)
        return future


def _messages(count: int) -> list[tuple[bytes, bytes, str]]:
    return [(f"k{n % 7}".encode(), b"{}", f"e{n}") for n in range(count)]


async def test_the_collector_waits_while_messages_are_sent_and_runs_again_after() -> None:
    producer = _Producer()
    assert gc.isenabled()
    ledger = await produce(producer, "t", _messages(300), rate=20_000)
    assert producer.collecting_at_send
    assert not any(producer.collecting_at_send)
    assert gc.isenabled()
    assert len(ledger.records) == 300
    assert all(acknowledged > 0 for _, _, acknowledged in ledger.records)


async def test_a_collector_disabled_before_stays_disabled() -> None:
    gc.disable()
    try:
        await produce(_Producer(), "t", _messages(10))
        assert not gc.isenabled()
    finally:
        gc.enable()
