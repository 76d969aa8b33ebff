"""Writes a batch of accepted events to TimescaleDB in one transaction.

Each step in the fastest form PostgreSQL offers for the usual case:
1. checks against the figure before (only for indicators that have one), reading it in
   the same transaction (`domain/neighbours.py`);
2. identity: the batch's ids are registered, duplicates and conflicts found
   (`event_ids.py`);
3. the ledger: every new revision is COPYed into `ioc.observations` (binary COPY rows
   built in `copy_rows.py`);
4. figures of record and latest values (`figures.py`);
5. the batch's SeriesUpdated messages into the outbox and the outbox rows of earlier
   batches that Kafka has acknowledged out of it, in one statement (`announcements.py`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from ioc_aggregator.domain.batch import (
    StoredBatch,
    series_announcements,
)
from ioc_aggregator.domain.neighbours import checked_against_previous, judge_against_previous
from ioc_aggregator.domain.records import Accepted
from ioc_aggregator.domain.revisions import Revision
from ioc_aggregator.outbound.announcements import record_announcements
from ioc_aggregator.outbound.copy_rows import LEDGER_COLUMNS, CopyEncoder, payload
from ioc_aggregator.outbound.event_ids import claim_ids, unless_stored
from ioc_aggregator.outbound.figures import record_figures
from ioc_aggregator.outbound.previous_figures import previous_figures
from ioc_catalog.quality import FigureRules
from ioc_storage.connection import Connection


async def store_events(
    connection: Connection,
    items: Sequence[Accepted],
    *,
    rules: Mapping[str, FigureRules],
    updated_at: datetime,
    forget: Sequence[int] = (),
) -> StoredBatch:
    """Stores the accepted events of a batch, moves figures of record and latest values
    and records the batch's SeriesUpdated, all in one transaction, which also forgets
    the outbox rows `forget`. Each revision was received when its event was screened;
    the series are updated at `updated_at`."""
    encoder = CopyEncoder()
    async with connection.transaction():
        positions = checked_against_previous(items, rules)
        before = await previous_figures(connection, [items[i] for i in positions])
        stored = {i: figure for i, figure in zip(positions, before, strict=True) if figure}
        checked, against_previous = judge_against_previous(items, positions, stored, rules)
        repeats = await claim_ids(connection, checked, encoder)
        refused, stored_before = await unless_stored(connection, against_previous)
        # tuple.__new__: one Revision per event, without the named tuple's Python-level
        # constructor.
        revisions = [
            tuple.__new__(Revision, (a.event, a.received_at, a.flags)) for a in repeats.first
        ]
        if revisions:
            await connection.copy_to_table(
                "observations",
                schema_name="ioc",
                columns=LEDGER_COLUMNS,
                source=payload(encoder.revision(r)[0] for r in revisions),
                format="binary",
            )
        latest = await record_figures(connection, revisions, encoder)
        # The events themselves: they have every field of an inserted row.
        inserted = [r.event for r in revisions]
        # Serialised once: the outbox keeps these bytes and Kafka gets the same.
        updates = series_announcements(inserted, latest, updated_at=updated_at)
        announcement_ids = await record_announcements(connection, updates, forget=forget)
    return StoredBatch(
        inserted=inserted,
        latest=latest,
        refused=[*repeats.conflicts, *refused],
        duplicates=repeats.duplicates + stored_before,
        flagged=[r for r in revisions if r.flags],
        announcements=updates,
        announcement_ids=announcement_ids,
    )
