"""What the aggregator knows about one consumed Kafka record, and its verdict on it.

Named tuples, not dataclasses: several are built for every record of every batch, and a
named tuple costs a fraction of what a frozen dataclass does to build.
"""

from __future__ import annotations

from typing import NamedTuple

from ioc_catalog.quality import Finding
from ioc_contracts.dead_letter import DeadLetterErrorCode
from ioc_contracts.fast_decoding import DecodedEvent


class Position(NamedTuple):
    """Where a record sits in Kafka; the DLQ headers and the logs name it."""

    topic: str
    partition: int
    offset: int


class SourceRecord(NamedTuple):
    """The parts of a consumed record the aggregator uses (decoupled from aiokafka)."""

    position: Position
    key: bytes | None
    value: bytes | None


class Accepted(NamedTuple):
    record: SourceRecord
    event: DecodedEvent
    # Data-quality checks it failed that the catalog sets to flag, not refuse.
    flags: tuple[Finding, ...] = ()


class Refused(NamedTuple):
    record: SourceRecord
    error_code: DeadLetterErrorCode
    reason: str


Verdict = Accepted | Refused
