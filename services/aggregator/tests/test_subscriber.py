"""The subscriber's parser: FastStream reads one record of a batch, the handler gets all.

FastStream's own batch parser is the `original` here, as FastStream passes it: it reads
every header of what it is given as UTF-8, as the real one does.
"""

from __future__ import annotations

from typing import Any, cast

import anyio.to_thread
import pytest
from aiokafka.structs import ConsumerRecord
from faststream.kafka import KafkaBroker, TestKafkaBroker

from ioc_aggregator.config import AggregatorSettings
from ioc_aggregator.inbound.subscriber import register_subscriber, source_records, tolerant_parser


class _Message:
    def __init__(self, records: tuple[Any, ...]) -> None:
        self.raw_message = records


class _FastStreamParser:
    """Reads headers as FastStream's batch parser does, and records what it was given."""

    def __init__(self) -> None:
        self.given: list[tuple[Any, ...]] = []

    async def __call__(self, records: tuple[Any, ...]) -> _Message:
        self.given.append(records)
        for record in records:
            {name: value.decode() for name, value in record.headers}
        return _Message(records)


def _record(offset: int, headers: list[tuple[str, bytes]]) -> ConsumerRecord[bytes, bytes]:
    return ConsumerRecord(
        topic="ioc.indicator-events",
        partition=2,
        offset=offset,
        timestamp=0,
        timestamp_type=0,
        key=b"k",
        value=b"{}",
        checksum=None,
        serialized_key_size=1,
        serialized_value_size=2,
        headers=headers,
    )


async def test_fast_stream_parses_only_the_first_record_and_the_handler_gets_the_batch() -> None:
    records = (
        _record(7, [("trace", b"\xff\xfe binary")]),
        _record(8, [("trace", b"\x80")]),
        _record(9, []),
    )
    original = _FastStreamParser()
    message = await tolerant_parser(records, original)
    assert len(original.given) == 1
    (first,) = original.given[0]
    assert first.offset == 7
    assert first.headers[0][1].decode() == "\ufffd\ufffd binary"
    assert [r.offset for r in source_records(message)] == [7, 8, 9]
    assert [r.value for r in source_records(message)] == [b"{}"] * 3


class _Pipeline:
    """Keeps what the handler hands on."""

    def __init__(self) -> None:
        self.batches: list[list[Any]] = []

    async def submit(self, records: list[Any], consumer: Any) -> None:
        self.batches.append(records)

    def rebalance_listener(self) -> Any:
        return None


async def test_the_handler_gets_its_batch_without_a_worker_thread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # FastStream resolves a context field (`Context("message")`) by running a synchronous
    # function in anyio's worker threads: a thread hop and a task group for every batch.
    hops: list[Any] = []
    real = anyio.to_thread.run_sync

    async def counted(function: Any, *args: Any, **kwargs: Any) -> Any:
        hops.append(function)
        return await real(function, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counted)
    broker = KafkaBroker()
    pipeline = _Pipeline()
    register_subscriber(broker, AggregatorSettings.model_construct(), cast(Any, pipeline))
    async with TestKafkaBroker(broker) as test_broker:
        await test_broker.publish_batch(
            b"{}", b"not json", topic=AggregatorSettings.model_construct().aggregator_source_topic
        )
    assert [[r.value for r in batch] for batch in pipeline.batches] == [[b"{}", b"not json"]]
    assert hops == []
