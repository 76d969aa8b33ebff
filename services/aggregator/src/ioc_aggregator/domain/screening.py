"""Decides, record by record, whether an event may be stored.

Agencies may publish straight to Kafka, so the aggregator trusts nothing the
ingest gateway may have checked: the contract, the catalog grants, the value
range and the clock are all checked again here.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from pydantic import ValidationError

from ioc_aggregator.domain.records import Accepted, Refused, SourceRecord, Verdict
from ioc_catalog.policy import Refusal
from ioc_catalog.quality import FigureRules, figure_findings, too_old
from ioc_contracts import MAX_EVENT_BYTES, IndicatorEvent
from ioc_contracts.catalog import QualityCheck
from ioc_contracts.dead_letter import DeadLetterErrorCode
from ioc_storage.catalog_read import CatalogRules

_REFUSAL_CODES = {
    Refusal.UNKNOWN_AGENCY: DeadLetterErrorCode.UNKNOWN_AGENCY,
    Refusal.UNKNOWN_INDICATOR: DeadLetterErrorCode.UNKNOWN_INDICATOR,
    Refusal.NOT_A_PUBLISHER: DeadLetterErrorCode.NOT_GRANTED,
    Refusal.SCOPE_NOT_GRANTED: DeadLetterErrorCode.NOT_GRANTED,
}


def describe_validation_error(error: ValidationError) -> str:
    """One line per problem, each naming the field: what an operator reads in the DLQ."""
    parts = []
    for problem in error.errors(include_url=False):
        field = ".".join(str(part) for part in problem["loc"]) or "event"
        parts.append(f"{field}: {problem['msg']}")
    return "; ".join(parts)


def decode(record: SourceRecord) -> IndicatorEvent | Refused:
    if record.value is None:
        return Refused(record, DeadLetterErrorCode.INVALID_JSON, "empty message (tombstone)")
    if len(record.value) > MAX_EVENT_BYTES:
        # Judged on the decoded bytes: the broker's limit holds only for the compressed
        # batch. Not parsed at all, so a giant record costs no more than its copy.
        return Refused(
            record,
            DeadLetterErrorCode.TOO_LARGE,
            f"{len(record.value)} bytes, more than the {MAX_EVENT_BYTES} an event may have",
        )
    try:
        # Parsed and validated in pydantic-core, straight from the bytes.
        return IndicatorEvent.model_validate_json(record.value)
    except ValidationError as error:
        if not any(problem["type"] == "json_invalid" for problem in error.errors()):
            return Refused(
                record, DeadLetterErrorCode.SCHEMA_VIOLATION, describe_validation_error(error)
            )
    except (ValueError, OverflowError, RecursionError):
        pass
    # Not strict UTF-8 JSON: the standard library's reading decides, as it always has
    # (it also takes UTF-16/32, a byte-order mark, NaN, lone surrogates).
    return _decode_leniently(record, record.value)


def _decode_leniently(record: SourceRecord, value: bytes) -> IndicatorEvent | Refused:
    try:
        document = json.loads(value)
    except (ValueError, RecursionError) as error:
        # ValueError covers JSONDecodeError, bad UTF-8 and integers too long to convert;
        # RecursionError, nesting deeper than the parser allows.
        return Refused(record, DeadLetterErrorCode.INVALID_JSON, f"not valid JSON: {error}")
    try:
        return IndicatorEvent.model_validate(document)
    except ValidationError as error:
        return Refused(
            record, DeadLetterErrorCode.SCHEMA_VIOLATION, describe_validation_error(error)
        )
    except (ValueError, OverflowError, RecursionError) as error:
        return Refused(record, DeadLetterErrorCode.SCHEMA_VIOLATION, f"unreadable event: {error!r}")


def screen(
    record: SourceRecord, rules: CatalogRules, *, now: datetime, max_future: timedelta
) -> Verdict:
    event = decode(record)
    if isinstance(event, Refused):
        return event
    decision = rules.policy.check(event.agency, event.indicator, event.scope)
    if not decision.allowed:
        assert decision.refusal is not None
        return Refused(record, _REFUSAL_CODES[decision.refusal], decision.reason)
    # Scope history: the shared rule of ioc_catalog.scopes refuses a figure of a scope
    # that was retired (or not yet formed) at observed_at, naming the successor.
    scope = rules.scopes.check(event.scope, event.observed_at)
    if scope is not None:
        return Refused(record, DeadLetterErrorCode(scope.refusal.value), f"scope: {scope.reason}")
    for name, moment in (("observed_at", event.observed_at), ("reported_at", event.reported_at)):
        if moment is not None and moment > now + max_future:
            return Refused(
                record,
                DeadLetterErrorCode.TIMESTAMP_IN_FUTURE,
                f"{name}: {moment.isoformat()} is more than "
                f"{max_future} ahead of the aggregator's clock ({now.isoformat()})",
            )
    figure_rules = rules.figures.get(event.indicator) or FigureRules()
    old = too_old(figure_rules, event.observed_at)
    if old is not None:
        return Refused(record, DeadLetterErrorCode.TIMESTAMP_TOO_OLD, f"observed_at: {old}")
    findings = figure_findings(
        figure_rules, value=event.value, numerator=event.numerator, denominator=event.denominator
    )
    for finding in findings:
        if finding.refuses:
            return Refused(
                record, refusal_code(finding.check), f"{finding.field}: {finding.reason}"
            )
    return Accepted(record, event, tuple(findings))


def refusal_code(check: QualityCheck) -> DeadLetterErrorCode:
    """The DLQ code of a refusing check; a value out of range keeps its own, older code."""
    if check is QualityCheck.OUT_OF_RANGE:
        return DeadLetterErrorCode.VALUE_OUT_OF_RANGE
    return DeadLetterErrorCode.QUALITY_CHECK_FAILED


def screen_or_refuse(
    record: SourceRecord, rules: CatalogRules, *, now: datetime, max_future: timedelta
) -> Verdict:
    """`screen`, with anything it did not foresee turned into a dead letter.

    A poison record must never block its partition: an error no check names still
    ends in the DLQ with its reason, rather than the batch being re-read forever.
    """
    try:
        return screen(record, rules, now=now, max_future=max_future)
    except Exception as error:
        return Refused(
            record, DeadLetterErrorCode.SCHEMA_VIOLATION, f"could not be screened: {error!r}"
        )
