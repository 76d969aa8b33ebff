"""Headers of a message on `ioc.indicator-events.dlq`.

A dead letter keeps the original key and value bytes untouched (they may not even be
JSON), so everything about *why* it failed and *where* it came from travels in headers.
"""

from collections.abc import Iterable
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

# Re-exported: senders and readers name the codes through the dead letter contract.
from ioc_contracts.dead_letter_codes import ERROR_CODE_MEANINGS as ERROR_CODE_MEANINGS
from ioc_contracts.dead_letter_codes import DeadLetterErrorCode as DeadLetterErrorCode
from ioc_contracts.types import UtcDatetime

REASON_HEADER = "ioc-dlq-reason"
ERROR_CODE_HEADER = "ioc-dlq-error-code"
SOURCE_TOPIC_HEADER = "ioc-dlq-source-topic"
SOURCE_PARTITION_HEADER = "ioc-dlq-source-partition"
SOURCE_OFFSET_HEADER = "ioc-dlq-source-offset"
FAILED_AT_HEADER = "ioc-dlq-failed-at"
# Size in bytes of the original value, and whether the DLQ copy is only its beginning.
ORIGINAL_SIZE_HEADER = "ioc-dlq-original-size"
TRUNCATED_HEADER = "ioc-dlq-truncated"

# Header name -> DeadLetter field it carries, in the order the headers are written.
DEAD_LETTER_HEADER_FIELDS: dict[str, str] = {
    REASON_HEADER: "reason",
    ERROR_CODE_HEADER: "error_code",
    SOURCE_TOPIC_HEADER: "source_topic",
    SOURCE_PARTITION_HEADER: "source_partition",
    SOURCE_OFFSET_HEADER: "source_offset",
    FAILED_AT_HEADER: "failed_at",
}
DEAD_LETTER_HEADER_NAMES = tuple(DEAD_LETTER_HEADER_FIELDS)
# Written since dead letters became bounded copies; absent from older letters.
OPTIONAL_HEADER_FIELDS: dict[str, str] = {
    ORIGINAL_SIZE_HEADER: "original_size",
    TRUNCATED_HEADER: "truncated",
}

# A dead letter is a bounded copy, so dead-lettering can never fail on size: at most this
# much of the original value (anything longer was refused as too large by the contract)
# and of its key; the reason is bounded too. Well under every topic's max.message.bytes.
MAX_DEAD_LETTER_VALUE_BYTES = 16 * 1024
MAX_DEAD_LETTER_KEY_BYTES = 1024

# Validation errors can be long; a header is for a human to read, not a full report.
MAX_REASON_LENGTH = 1000

KafkaHeaders = list[tuple[str, bytes]]
"""Headers in the form aiokafka and FastStream's raw messages use."""


class DeadLetter(BaseModel):
    """What the ioc-dlq-* headers of one dead letter say."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    error_code: DeadLetterErrorCode = Field(
        description="Machine-readable class of failure.", examples=["schema_violation"]
    )
    reason: str = Field(
        min_length=1,
        max_length=MAX_REASON_LENGTH,
        description="Human-readable explanation naming the offending field.",
        examples=["observed_at: Timestamp has no timezone"],
    )
    source_topic: str = Field(
        min_length=1,
        description="Topic the refused message was read from.",
        examples=["ioc.indicator-events"],
    )
    source_partition: int = Field(
        ge=0, description="Partition of the refused message in that topic.", examples=[4]
    )
    source_offset: int = Field(
        ge=0, description="Offset of the refused message in that partition.", examples=[1234]
    )
    failed_at: UtcDatetime = Field(
        description="When the message was dead-lettered (ISO 8601, UTC).",
        examples=["2024-07-02T01:30:05Z"],
    )
    original_size: int | None = Field(
        default=None,
        ge=0,
        description="Size in bytes of the refused message's value (absent on old letters).",
        examples=[412],
    )
    truncated: bool = Field(
        default=False,
        description="True when the DLQ copy holds only the first bytes of the value; such "
        "a letter cannot be replayed.",
        examples=[False],
    )


def _shorten(reason: str) -> str:
    # Dead-lettering must not itself fail, so an overlong or blank reason is trimmed or
    # replaced rather than refused.
    reason = reason.strip() or "no reason given"
    if len(reason) <= MAX_REASON_LENGTH:
        return reason
    return reason[: MAX_REASON_LENGTH - 1] + "…"


def dead_letter_headers(
    *,
    error_code: DeadLetterErrorCode,
    reason: str,
    source_topic: str,
    source_partition: int,
    source_offset: int,
    failed_at: datetime,
    original_size: int | None = None,
    truncated: bool = False,
) -> KafkaHeaders:
    """Build the ioc-dlq-* headers for a refused message (UTF-8 text values)."""
    letter = DeadLetter(
        error_code=error_code,
        reason=_shorten(reason),
        source_topic=source_topic,
        source_partition=source_partition,
        source_offset=source_offset,
        failed_at=failed_at,
        original_size=original_size,
        truncated=truncated,
    )
    # JSON mode turns the enum, numbers and UTC time into the text a header carries.
    values = letter.model_dump(mode="json")
    headers = [
        (name, str(values[field]).encode()) for name, field in DEAD_LETTER_HEADER_FIELDS.items()
    ]
    if original_size is not None:
        headers.append((ORIGINAL_SIZE_HEADER, str(original_size).encode()))
        headers.append((TRUNCATED_HEADER, b"true" if truncated else b"false"))
    return headers


def parse_dead_letter_headers(headers: Iterable[tuple[str, bytes | None]]) -> DeadLetter:
    """Read the ioc-dlq-* headers back; other headers are ignored.

    If a header repeats (a replayed dead letter that failed again), the last one wins:
    it describes the most recent failure.

    Raises ValueError (pydantic's ValidationError is one) when a header is missing,
    not UTF-8 or not valid.
    """
    found: dict[str, str] = {}
    for name, raw in headers:
        if (name in DEAD_LETTER_HEADER_NAMES or name in OPTIONAL_HEADER_FIELDS) and raw is not None:
            found[name] = raw.decode()
    missing = [name for name in DEAD_LETTER_HEADER_NAMES if name not in found]
    if missing:
        msg = f"not a dead letter, missing headers: {', '.join(missing)}"
        raise ValueError(msg)
    fields = {**DEAD_LETTER_HEADER_FIELDS, **OPTIONAL_HEADER_FIELDS}
    return DeadLetter.model_validate(
        {field: found[name] for name, field in fields.items() if name in found}
    )


class BoundedCopy(BaseModel):
    """What a dead letter carries of the refused record: never more than the bounds."""

    model_config = ConfigDict(frozen=True)

    key: bytes | None
    value: bytes
    original_size: int
    truncated: bool


def bounded_copy(key: bytes | None, value: bytes | None) -> BoundedCopy:
    """The original key and value, cut to MAX_DEAD_LETTER_*_BYTES when longer.

    A record that passed the broker (compressed, or under the topic's limit) may be far
    larger decoded; its dead letter must still fit, or dead-lettering would fail and the
    partition would never move on.
    """
    original = value or b""
    cut = original[:MAX_DEAD_LETTER_VALUE_BYTES]
    return BoundedCopy(
        key=None if key is None else key[:MAX_DEAD_LETTER_KEY_BYTES],
        value=cut,
        original_size=len(original),
        truncated=len(cut) < len(original)
        or (key is not None and len(key) > MAX_DEAD_LETTER_KEY_BYTES),
    )
