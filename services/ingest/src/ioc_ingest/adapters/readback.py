"""What an agency may read back, asked through the security-definer functions of
migration 0012: the gateway has no other right on the ledger, the figures or the
refusals, and each function answers only about the agency it is given."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from ioc_ingest.domain.readback import (
    EventFate,
    FigureOfRecord,
    QualityFlag,
    RefusedCopy,
    StoredEvent,
    StoredRevision,
)
from ioc_storage.connection import Connection

_SERIES = "SELECT * FROM ioc.agency_series_revisions($1, $2, $3, $4, $5, $6)"
_EVENT = "SELECT * FROM ioc.agency_event($1, $2, $3)"


async def series_revisions(
    connection: Connection,
    *,
    agency: str,
    indicator: str,
    scope: str,
    observed_from: datetime,
    observed_to: datetime,
    figures: int,
) -> list[StoredRevision]:
    """Revisions of the newest `figures` figures, newest figure first, each figure's
    revisions in revision order; empty when the series is not granted to `agency`."""
    rows = await connection.fetch(
        _SERIES, agency, indicator, scope, observed_from, observed_to, figures
    )
    return [
        StoredRevision(
            observed_at=row["observed_at"],
            revision=row["revision"],
            of_record=bool(row["of_record"]),
            value=row["value"],
            numerator=row["numerator"],
            denominator=row["denominator"],
            agency=row["agency"],
            event_id=row["event_id"],
            reported_at=row["reported_at"],
            received_at=row["received_at"],
            revised_at=row["revised_at"],
            quality_flags=_flags(row["quality_flags"]),
            source=row["source"],
            note=row["note"],
        )
        for row in rows
    ]


async def event_fate(
    connection: Connection, *, agency: str, event_id: UUID, refusals: int
) -> EventFate:
    rows = await connection.fetch(_EVENT, agency, event_id, refusals)
    stored = next((_stored(row) for row in rows if row["outcome"] == "stored"), None)
    refused = tuple(
        RefusedCopy(
            error_code=row["error_code"], reason=row["reason"], refused_at=row["refused_at"]
        )
        for row in rows
        if row["outcome"] == "refused"
    )
    return EventFate(stored=stored, refusals=refused)


def _stored(row: asyncpg.Record) -> StoredEvent:
    record = None
    if row["record_agency"] is not None:
        record = FigureOfRecord(
            value=row["record_value"],
            agency=row["record_agency"],
            revised_at=row["record_revised_at"],
        )
    return StoredEvent(
        indicator=row["indicator"],
        scope=row["scope"],
        observed_at=row["observed_at"],
        value=row["value"],
        numerator=row["numerator"],
        denominator=row["denominator"],
        reported_at=row["reported_at"],
        received_at=row["received_at"],
        revised_at=row["revised_at"],
        quality_flags=_flags(row["quality_flags"]),
        of_record=bool(row["of_record"]),
        record=record,
    )


def _flags(raw: str | None) -> tuple[QualityFlag, ...]:
    # jsonb arrives as text (no codec registered on the gateway's pool).
    found: Any = json.loads(raw) if raw else []
    return tuple(
        QualityFlag(check=str(flag.get("check", "")), reason=str(flag.get("reason", "")))
        for flag in found
        if isinstance(flag, dict)
    )
