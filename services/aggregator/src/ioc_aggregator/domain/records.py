"""What the aggregator knows about one consumed Kafka record, and its verdict on it."""

from __future__ import annotations

from dataclasses import dataclass

from ioc_contracts import IndicatorEvent
from ioc_contracts.dead_letter import DeadLetterErrorCode


@dataclass(frozen=True, slots=True)
class Position:
    """Where a record sits in Kafka; the DLQ headers and the logs name it."""

    topic: str
    partition: int
    offset: int


@dataclass(frozen=True, slots=True)
class SourceRecord:
    """The parts of a consumed record the aggregator uses (decoupled from aiokafka)."""

    position: Position
    key: bytes | None
    value: bytes | None


@dataclass(frozen=True, slots=True)
class Accepted:
    record: SourceRecord
    event: IndicatorEvent


@dataclass(frozen=True, slots=True)
class Refused:
    record: SourceRecord
    error_code: DeadLetterErrorCode
    reason: str


Verdict = Accepted | Refused
