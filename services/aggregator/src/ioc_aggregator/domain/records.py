"""What the aggregator knows about one consumed Kafka record, and its verdict on it.

Named tuples, not dataclasses: several are built for every record of every batch, and a
named tuple costs a fraction of what a frozen dataclass does to build. The consumed
record itself is not copied at all: aiokafka's record has the fields `SourceRecord`
names, and it flows through as fetched.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple, Protocol

from ioc_catalog.quality import Finding
from ioc_contracts.dead_letter import DeadLetterErrorCode
from ioc_contracts.fast_decoding import DecodedEvent


class Position(NamedTuple):
    """Where a record sits in Kafka; the DLQ headers and the logs name it."""

    topic: str
    partition: int
    offset: int


class Positioned(Protocol):
    """Where a record sits: a `Position`, or the record itself (`SourceRecord`)."""

    @property
    def topic(self) -> str: ...
    @property
    def partition(self) -> int: ...
    @property
    def offset(self) -> int: ...


class SourceRecord(Positioned, Protocol):
    """The parts of a consumed record the aggregator reads: aiokafka's `ConsumerRecord`
    has them, and so has `Consumed`."""

    @property
    def key(self) -> bytes | None: ...
    @property
    def value(self) -> bytes | None: ...


class Consumed(NamedTuple):
    """A record made here rather than fetched by aiokafka (tests, the stages benchmark)."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None


def position_of(record: SourceRecord) -> Position:
    return Position(record.topic, record.partition, record.offset)


class Accepted(NamedTuple):
    record: SourceRecord
    event: DecodedEvent
    # When the aggregator received it: the moment the records fetched with it were
    # screened. Fixed then, so waiting for the database (the batch ahead, an outage)
    # never makes a report later than it came.
    received_at: datetime
    # Data-quality checks it failed that the catalog sets to flag, not refuse.
    flags: tuple[Finding, ...] = ()


class Refused(NamedTuple):
    record: SourceRecord
    error_code: DeadLetterErrorCode
    reason: str


Verdict = Accepted | Refused
