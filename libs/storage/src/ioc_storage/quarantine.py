"""The quarantine of records that could be neither stored nor dead-lettered.

The aggregator holds such a record here so its partition can move on; operators read
the table through `ioc-dlq quarantine`. SQL stays in this module; callers see typed
records only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from ioc_storage.connection import Connection
from ioc_storage.text import storable_text


@dataclass(frozen=True, slots=True, kw_only=True)
class QuarantinedRecord:
    source_topic: str
    source_partition: int
    source_offset: int
    error_code: str
    reason: str
    dead_letter_error: str
    original_size: int
    key: bytes | None
    value_head: bytes
    truncated: bool
    failed_at: datetime
    quarantined_at: datetime | None = None

    @property
    def position(self) -> str:
        return f"{self.source_topic}/{self.source_partition}/{self.source_offset}"


_INSERT = """
INSERT INTO ioc.quarantined_records (
    source_topic, source_partition, source_offset, error_code, reason, dead_letter_error,
    original_size, record_key, value_head, truncated, failed_at)
SELECT * FROM unnest($1::text[], $2::int[], $3::bigint[], $4::text[], $5::text[], $6::text[],
                     $7::int[], $8::bytea[], $9::bytea[], $10::bool[], $11::timestamptz[])
ON CONFLICT DO NOTHING
"""


async def hold(connection: Connection, records: Sequence[QuarantinedRecord]) -> None:
    """Adds the records; one already held (read again after a crash) is kept as it was."""
    if not records:
        return
    await connection.execute(
        _INSERT,
        [r.source_topic for r in records],
        [r.source_partition for r in records],
        [r.source_offset for r in records],
        [r.error_code for r in records],
        # Both may quote what the record's sender wrote (see `storable_text`).
        [storable_text(r.reason) for r in records],
        [storable_text(r.dead_letter_error) for r in records],
        [r.original_size for r in records],
        [r.key for r in records],
        [r.value_head for r in records],
        [r.truncated for r in records],
        [r.failed_at for r in records],
    )


_LIST = """
SELECT source_topic, source_partition, source_offset, error_code, reason, dead_letter_error,
       original_size, record_key, value_head, truncated, failed_at, quarantined_at
FROM ioc.quarantined_records
WHERE $1::timestamptz IS NULL OR quarantined_at >= $1
ORDER BY quarantined_at, source_topic, source_partition, source_offset
LIMIT $2
"""


async def held(
    connection: Connection, *, since: datetime | None = None, limit: int = 1000
) -> list[QuarantinedRecord]:
    """The quarantined records, oldest first."""
    rows = await connection.fetch(_LIST, since, limit)
    return [
        QuarantinedRecord(
            source_topic=row["source_topic"],
            source_partition=row["source_partition"],
            source_offset=row["source_offset"],
            error_code=row["error_code"],
            reason=row["reason"],
            dead_letter_error=row["dead_letter_error"],
            original_size=row["original_size"],
            key=row["record_key"],
            value_head=row["value_head"],
            truncated=row["truncated"],
            failed_at=row["failed_at"],
            quarantined_at=row["quarantined_at"],
        )
        for row in rows
    ]
