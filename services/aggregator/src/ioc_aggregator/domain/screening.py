"""Decides, record by record, whether an event may be stored.

Agencies may publish straight to Kafka, so the aggregator trusts nothing the ingest
gateway may have checked. The bytes are read by the contract (`ioc_contracts.event_bytes`:
the fast decoder, the pydantic contract for anything it leaves); the catalog's rules —
grants, the clock, the time floor, data quality — are the screening the gateway runs too
(`ioc_catalog.screening`), so the two paths cannot drift apart.
"""

from __future__ import annotations

from datetime import datetime

from ioc_aggregator.domain.records import Accepted, Refused, SourceRecord, Verdict
from ioc_catalog.screening import ScreeningRules, screen_figure
from ioc_contracts.dead_letter import DeadLetterErrorCode
from ioc_contracts.event_bytes import Unreadable, read_event
from ioc_contracts.fast_decoding import DecodedEvent


def decode(record: SourceRecord) -> DecodedEvent | Refused:
    """The event in the record, or its refusal with the contract's code and reason."""
    event = read_event(record.value)
    if isinstance(event, Unreadable):
        return Refused(record, event.error_code, event.reason)
    return event


def screen(record: SourceRecord, rules: ScreeningRules, *, now: datetime) -> Verdict:
    event = decode(record)
    if isinstance(event, Refused):
        return event
    screening = screen_figure(event, rules, now=now, first_only=True)
    if screening.problems:
        problem = screening.problems[0]
        return Refused(record, problem.code, f"{problem.field}: {problem.reason}")
    # tuple.__new__: a named tuple's own constructor is a Python function, and one
    # Accepted is built for every record.
    return tuple.__new__(Accepted, (record, event, now, screening.flags))


def screen_or_refuse(record: SourceRecord, rules: ScreeningRules, *, now: datetime) -> Verdict:
    """`screen`, with anything it did not foresee turned into a dead letter.

    A poison record must never block its partition: an error no check names still
    ends in the DLQ with its reason, rather than the batch being re-read forever.
    """
    try:
        return screen(record, rules, now=now)
    except Exception as error:
        return Refused(
            record, DeadLetterErrorCode.SCHEMA_VIOLATION, f"could not be screened: {error!r}"
        )
