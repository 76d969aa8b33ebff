"""Records attributable refusals where the ingest gateway can read them back
(`ioc.refused_events`, migration 0012)."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from ioc_aggregator.domain.refusals import RefusalRecord
from ioc_storage.text import storable_text

# One statement, so all of a batch's refusals are recorded or none; keyed by the Kafka
# position, so a batch read again after a crash records nothing twice.
_RECORD = """
INSERT INTO ioc.refused_events (source_topic, source_partition, source_offset, agency,
                                event_id, error_code, reason, refused_at)
SELECT * FROM unnest($1::text[], $2::integer[], $3::bigint[], $4::text[], $5::uuid[],
                     $6::text[], $7::text[], $8::timestamptz[])
ON CONFLICT (source_topic, source_partition, source_offset) DO NOTHING
"""


async def record_refusals(pool: asyncpg.Pool, refusals: Sequence[RefusalRecord]) -> None:
    if not refusals:
        return
    # A reason may quote what the record's sender wrote (see `storable_text`).
    rows = [r._replace(reason=storable_text(r.reason)) for r in refusals]
    columns = list(zip(*rows, strict=True))
    await pool.execute(_RECORD, *(list(column) for column in columns))
