"""When is a re-sent event the same event?

An event's identity is (agency, event_id): an id belongs to the agency that sent it, so
another agency can never collide with it. A copy whose content equals the stored one is
a duplicate (a retry, a redelivery, an identical re-upload) and changes nothing; a copy
whose content differs is a conflict and is refused, never silently dropped. `reported_at`
is not content: a producer that stamps it anew on each retry still sends the same figure.
A different figure for the same (indicator, scope, observed_at) needs a new event_id:
that is a revision.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from uuid import UUID

from ioc_contracts.events import IndicatorEvent
from ioc_contracts.fast_decoding import DecodedEvent

EventKey = tuple[str, UUID]
# The contract's model or the fast decoder's record of it: the same fields.
AnyEvent = IndicatorEvent | DecodedEvent

CONTENT_FIELDS = (
    "indicator",
    "scope",
    "observed_at",
    "value",
    "numerator",
    "denominator",
    "source",
    "note",
)


def event_key(event: AnyEvent) -> EventKey:
    return (event.agency, event.event_id)


def differing_fields(event: AnyEvent, stored: Mapping[str, object]) -> list[str]:
    """The content fields in which `event` differs from the stored copy of its id."""
    return [name for name in CONTENT_FIELDS if not _same(getattr(event, name), stored.get(name))]


def describe_conflict(event: AnyEvent, stored: Mapping[str, object], fields: list[str]) -> str:
    """Vietnamese first, then English: what was stored under the id and what differs."""
    shown = "; ".join(
        f"{name}: {_text(stored.get(name))} → {_text(getattr(event, name))}" for name in fields
    )
    return (
        f"event_id {event.event_id} của đơn vị {event.agency} đã được lưu với nội dung khác "
        f"({shown}); gửi bản sửa đổi với event_id mới / event_id {event.event_id} of agency "
        f"{event.agency} was stored with other content ({shown}); send a revision under a "
        "new event_id"
    )


def _same(left: object, right: object) -> bool:
    if isinstance(left, datetime) and isinstance(right, datetime):
        return left == right
    if isinstance(left, int | float) and isinstance(right, int | float):
        return float(left) == float(right)
    return left == right


def _text(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:g}"
    return "null" if value is None else str(value)
