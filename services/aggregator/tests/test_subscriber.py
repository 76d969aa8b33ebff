"""The subscriber's parser: FastStream reads one record of a batch, the handler gets all.

FastStream's own batch parser is the `original` here, as FastStream passes it: it reads
every header of what it is given as UTF-8, as the real one does.
"""

from __future__ import annotations

from typing import Any

from aiokafka.structs import ConsumerRecord

from ioc_aggregator.inbound.subscriber import source_records, tolerant_parser


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
