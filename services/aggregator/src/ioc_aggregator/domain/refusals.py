"""Whose refused event a dead letter is, so the agency can ask about it by its id.

A refused record may be anything (not JSON, JSON of the wrong shape); an agency asks
by (its code, the event_id it chose), so a refusal is attributable only when the
record names both. Nothing else of the body is trusted or kept.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import NamedTuple
from uuid import UUID

from ioc_aggregator.domain.records import Refused, position_of
from ioc_contracts.dead_letter import MAX_REASON_LENGTH

# Agency codes are short; a longer "agency" is not one, and is not worth a row.
_MAX_AGENCY_LENGTH = 64


class RefusalRecord(NamedTuple):
    """One attributable dead letter, as the gateway reads it back."""

    topic: str
    partition: int
    offset: int
    agency: str
    event_id: UUID
    error_code: str
    reason: str
    refused_at: datetime


def attributable(refused: Iterable[Refused], refused_at: datetime) -> list[RefusalRecord]:
    """The refusals that name an agency and an event_id, in the order given."""
    found = []
    for letter in refused:
        owner = _owner(letter.record.value)
        if owner is None:
            continue
        position = position_of(letter.record)
        found.append(
            RefusalRecord(
                position.topic,
                position.partition,
                position.offset,
                owner[0],
                owner[1],
                letter.error_code.value,
                letter.reason[:MAX_REASON_LENGTH],
                refused_at,
            )
        )
    return found


def _owner(value: bytes | None) -> tuple[str, UUID] | None:
    if not value:
        return None
    try:
        document = json.loads(value)
    except (ValueError, RecursionError):
        return None
    if not isinstance(document, dict):
        return None
    agency, event_id = document.get("agency"), document.get("event_id")
    if not isinstance(agency, str) or not 0 < len(agency) <= _MAX_AGENCY_LENGTH or "\x00" in agency:
        return None
    if not isinstance(event_id, str):
        return None
    try:
        return agency, UUID(event_id)
    except ValueError:
        return None
