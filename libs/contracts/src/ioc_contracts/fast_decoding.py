"""IndicatorEvent v1 read from its bytes without building a pydantic model: the hot path.

The pydantic model (`ioc_contracts.events.IndicatorEvent`) stays the contract and the
source of the AsyncAPI document. This decoder accepts only what the contract accepts, in
the contract's canonical form, and gives the same fields; anything else — an error, a
code with spaces the contract would strip, a timestamp written another way, a lone
numerator — is not judged here: `decode_event` returns None and the caller asks the
contract, which gives the verdict and the reason. So the two can only differ if this
one accepts what the contract refuses or reads a field differently, and a differential
property test (`tests/test_fast_decoding.py`) holds them equal on arbitrary bytes.

msgspec checks types, lengths and bounds in C while it parses; what is left in Python
is the patterns (a code already seen valid is looked up, not matched again), the
timestamps (ISO 8601 with an offset, to UTC) and the edges and NULs of the free-text
fields.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec

from ioc_contracts.types import VALUE_LIMIT

# The contract's patterns. `fullmatch`, not `$`: Python's `$` also matches before a
# final newline, which the contract (pydantic-core's regex) does not allow.
_CODE = re.compile(r"[a-z0-9][a-z0-9-]{1,39}")
_CATALOG_CODE = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")
# The one spelling taken here: 2024-06-30T17:00:00Z, +07:00, 1 to 6 decimals of a second.
# Other ISO 8601 spellings the contract may take go to the contract. (`\d` would take
# other scripts' digits too.)
_TIMESTAMP = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?(Z|[+-][0-9]{2}:[0-9]{2})"
)
# Codes seen valid: a batch names a few hundred series many times over. Bounded, so a
# stream of made-up codes cannot grow it without end.
_VALID_CODES: set[str] = set()
_VALID_CATALOG_CODES: set[str] = set()
_REMEMBERED = 50_000
# Timestamps read before: the periods a batch reports on repeat across its series.
_INSTANTS: dict[str, datetime] = {}
_Code = Annotated[str, msgspec.Meta(max_length=40)]
_CatalogCode = Annotated[str, msgspec.Meta(max_length=64)]
_Timestamp = Annotated[str, msgspec.Meta(max_length=40)]
_Finite = Annotated[float, msgspec.Meta(ge=-VALUE_LIMIT, le=VALUE_LIMIT)]
_NonNegative = Annotated[float, msgspec.Meta(ge=0, le=VALUE_LIMIT)]
_Positive = Annotated[float, msgspec.Meta(gt=0, le=VALUE_LIMIT)]
_Source = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
_Note = Annotated[str, msgspec.Meta(min_length=1, max_length=1000)]


_UNSET = msgspec.UNSET
_Unset = msgspec.UnsetType
# The members an event always has: its six required fields.
_REQUIRED = 6


class _Wire(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    # An optional field left out is UNSET, one sent as null is None: the members the
    # object had are then known, which is how a name given twice is noticed (below).
    event_id: UUID
    agency: _Code
    indicator: _CatalogCode
    scope: _Code
    observed_at: _Timestamp
    value: _Finite
    schema_version: Literal[1] | _Unset = _UNSET
    numerator: _NonNegative | _Unset | None = _UNSET
    denominator: _Positive | _Unset | None = _UNSET
    reported_at: _Timestamp | _Unset | None = _UNSET
    source: _Source | _Unset | None = _UNSET
    note: _Note | _Unset | None = _UNSET


class DecodedEvent(msgspec.Struct, frozen=True, gc=False):
    """An IndicatorEvent's fields as the contract reads them (timestamps in UTC)."""

    event_id: UUID
    agency: str
    indicator: str
    scope: str
    observed_at: datetime
    value: float
    numerator: float | None
    denominator: float | None
    reported_at: datetime | None
    source: str | None
    note: str | None
    schema_version: int = 1


_DECODER = msgspec.json.Decoder(_Wire)


def decode_event(data: bytes) -> DecodedEvent | None:
    """The event in `data`, or None when the contract must judge it (see the module)."""
    try:
        wire = _DECODER.decode(data)
    except msgspec.DecodeError:
        return None
    present = _REQUIRED
    schema_version, numerator, denominator = wire.schema_version, wire.numerator, wire.denominator
    reported, source, note = wire.reported_at, wire.source, wire.note
    if schema_version is not _UNSET:
        present += 1
    if numerator is _UNSET:
        numerator = None
    else:
        present += 1
    if denominator is _UNSET:
        denominator = None
    else:
        present += 1
    if reported is _UNSET:
        reported = None
    else:
        present += 1
    if source is _UNSET:
        source = None
    else:
        present += 1
    if note is _UNSET:
        note = None
    else:
        present += 1
    # A name given twice (msgspec keeps the last value) is the contract's to refuse.
    # The object's members are its commas plus one, less the commas of its free texts
    # (no other field can hold one, and an unknown name was refused above); any doubt,
    # such as a comma written as an escape, goes to the contract too.
    members = data.count(b",") + 1
    if source:
        members -= source.count(",")
    if note:
        members -= note.count(",")
    if members != present:
        return None
    if (numerator is None) != (denominator is None):
        return None
    agency, scope, indicator = wire.agency, wire.scope, wire.indicator
    # The usual case inline (codes seen before, no free text, a period seen before):
    # each helper call costs more than the look-up it wraps.
    if not (
        (agency in _VALID_CODES or _is_code(agency, _CODE, _VALID_CODES))
        and (scope in _VALID_CODES or _is_code(scope, _CODE, _VALID_CODES))
        and (
            indicator in _VALID_CATALOG_CODES
            or _is_code(indicator, _CATALOG_CODE, _VALID_CATALOG_CODES)
        )
    ):
        return None
    if (source is not None and _edged(source)) or (note is not None and _edged(note)):
        return None
    observed_at = _INSTANTS.get(wire.observed_at) or _utc(wire.observed_at)
    if observed_at is None:
        return None
    reported_at = None
    if reported is not None:
        reported_at = _INSTANTS.get(reported) or _utc(reported)
        if reported_at is None:
            return None
    # Positional: keywords make building the struct a quarter dearer.
    return DecodedEvent(
        wire.event_id,
        agency,
        indicator,
        scope,
        observed_at,
        wire.value,
        numerator,
        denominator,
        reported_at,
        source,
        note,
    )


def _is_code(text: str, pattern: re.Pattern[str], seen: set[str]) -> bool:
    if text in seen:
        return True
    if pattern.fullmatch(text) is None:
        return False
    if len(seen) < _REMEMBERED:
        seen.add(text)
    return True


def _edged(text: str) -> bool:
    """Whitespace at either end (the contract strips it) or a NUL (the contract refuses
    it): either is the contract's business."""
    return text[0].isspace() or text[-1].isspace() or "\x00" in text


def _utc(text: str) -> datetime | None:
    known = _INSTANTS.get(text)
    if known is not None:
        return known
    if _TIMESTAMP.fullmatch(text) is None:
        return None
    try:
        instant = datetime.fromisoformat(text).astimezone(UTC)
    except (ValueError, OverflowError):
        return None  # a 13th month, a 25th hour, before year 1 in UTC: the contract says
    if len(_INSTANTS) >= _REMEMBERED:
        _INSTANTS.clear()
    _INSTANTS[text] = instant
    return instant
