"""An IndicatorEvent read from a Kafka record's bytes, or why it cannot be.

`read_event` takes the fast decoder (`fast_decoding`) for what it accepts and asks the
pydantic contract about everything else, so every verdict that refuses, and its reason,
is the contract's. `read_event_by_contract` is the contract alone: the reference the
differential property test holds `read_event` to.
"""

from __future__ import annotations

import json
from typing import NamedTuple

from pydantic import ValidationError

from ioc_contracts import member_names
from ioc_contracts.dead_letter import DeadLetterErrorCode
from ioc_contracts.events import MAX_EVENT_BYTES, IndicatorEvent
from ioc_contracts.fast_decoding import DecodedEvent, decode_event
from ioc_contracts.surrogates import escaped, lone_surrogates

# pydantic's refusals that the standard library's reading judges again.
_READ_AGAIN = frozenset({"json_invalid", "string_unicode"})


class Unreadable(NamedTuple):
    """Bytes that are no IndicatorEvent v1: the DLQ code and the reason, per field."""

    error_code: DeadLetterErrorCode
    reason: str


def read_event(value: bytes | None) -> DecodedEvent | Unreadable:
    """The event in a record's value: fast when it is in canonical form, else by contract."""
    refused = _refused_unread(value)
    if refused is not None:
        return refused
    assert value is not None
    return decode_event(value) or _by_contract(value)


def read_event_by_contract(value: bytes | None) -> DecodedEvent | Unreadable:
    """The same verdict from the pydantic contract alone."""
    refused = _refused_unread(value)
    if refused is not None:
        return refused
    assert value is not None
    return _by_contract(value)


def fields_of(event: IndicatorEvent) -> DecodedEvent:
    return DecodedEvent(
        event_id=event.event_id,
        agency=event.agency,
        indicator=event.indicator,
        scope=event.scope,
        observed_at=event.observed_at,
        value=event.value,
        numerator=event.numerator,
        denominator=event.denominator,
        reported_at=event.reported_at,
        source=event.source,
        note=event.note,
        schema_version=event.schema_version,
    )


def describe_validation_error(error: ValidationError) -> str:
    """One line per problem, each naming the field: what an operator reads in the DLQ."""
    parts = []
    for problem in error.errors(include_url=False):
        field = ".".join(str(part) for part in problem["loc"]) or "event"
        parts.append(f"{field}: {problem['msg']}")
    return "; ".join(parts)


def _refused_unread(value: bytes | None) -> Unreadable | None:
    if value is None:
        return Unreadable(DeadLetterErrorCode.INVALID_JSON, "empty message (tombstone)")
    if len(value) > MAX_EVENT_BYTES:
        # Judged on the decoded bytes: the broker's limit holds only for the compressed
        # batch. Not parsed at all, so a giant record costs no more than its copy.
        return Unreadable(
            DeadLetterErrorCode.TOO_LARGE,
            f"{len(value)} bytes, more than the {MAX_EVENT_BYTES} an event may have",
        )
    return None


def _by_contract(value: bytes) -> DecodedEvent | Unreadable:
    repeated = _repeated_names(value)
    if repeated:
        return Unreadable(
            DeadLetterErrorCode.SCHEMA_VIOLATION,
            "; ".join(f"{escaped(name)}: {member_names.REASON_EN}" for name in repeated),
        )
    try:
        # Parsed and validated in pydantic-core, straight from the bytes.
        return fields_of(IndicatorEvent.model_validate_json(value))
    except ValidationError as error:
        # A lone surrogate is refused by pydantic without naming a field's name: the
        # standard library's reading below names it.
        if not any(problem["type"] in _READ_AGAIN for problem in error.errors()):
            return Unreadable(
                DeadLetterErrorCode.SCHEMA_VIOLATION, describe_validation_error(error)
            )
    except (ValueError, OverflowError, RecursionError):
        pass
    # Not strict UTF-8 JSON: the standard library's reading decides, as it always has
    # (it also takes UTF-16/32, a byte-order mark, NaN, lone surrogates).
    return _leniently(value)


def _repeated_names(value: bytes) -> tuple[str, ...]:
    """The names the event's object gives twice; none when it is not JSON at all (the
    verdict below says why)."""
    try:
        return member_names.repeated_names(member_names.loads(value))
    except (ValueError, RecursionError):
        return ()


def _leniently(value: bytes) -> DecodedEvent | Unreadable:
    try:
        document = json.loads(value)
    except (ValueError, RecursionError) as error:
        # ValueError covers JSONDecodeError, bad UTF-8 and integers too long to convert;
        # RecursionError, nesting deeper than the parser allows.
        return Unreadable(DeadLetterErrorCode.INVALID_JSON, f"not valid JSON: {error}")
    if isinstance(document, dict) and (lone := lone_surrogates(document)):
        return Unreadable(
            DeadLetterErrorCode.SCHEMA_VIOLATION,
            "; ".join(f"{found.field}: {found.reason_en}" for found in lone),
        )
    try:
        return fields_of(IndicatorEvent.model_validate(document))
    except ValidationError as error:
        return Unreadable(DeadLetterErrorCode.SCHEMA_VIOLATION, describe_validation_error(error))
    except (ValueError, OverflowError, RecursionError) as error:
        return Unreadable(DeadLetterErrorCode.SCHEMA_VIOLATION, f"unreadable event: {error!r}")
