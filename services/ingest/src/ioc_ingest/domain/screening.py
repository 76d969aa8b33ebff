"""Screening: is each event well formed, this agency's to send, and plausible?

Every event of a request is screened before anything is published, and every problem
is reported, so an agency fixes a batch in one round trip and never has to guess which
of its events were stored (see `ioc_ingest.api` for the all-or-nothing rule).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from ioc_catalog.screening import ScreeningRules, screen_figure
from ioc_catalog.wording import bilingual
from ioc_contracts import IndicatorEvent, member_names
from ioc_contracts.dead_letter import DeadLetterErrorCode
from ioc_contracts.member_names import repeated_names
from ioc_contracts.surrogates import escaped, lone_surrogates
from ioc_ingest.domain.problems import EventProblem, ProblemKind

AGENCY_FIELD = "agency"


__all__ = ["Screening", "ScreeningRules", "screen_events"]

# Problems with the figure itself: the reason names the indicator whose rule it broke.
_FIGURE_CODES = frozenset(
    {DeadLetterErrorCode.VALUE_OUT_OF_RANGE, DeadLetterErrorCode.QUALITY_CHECK_FAILED}
)


@dataclass(frozen=True, slots=True)
class Screening:
    """Events that passed, in request order, and the problems of those that did not."""

    events: tuple[IndicatorEvent, ...]
    problems: tuple[EventProblem, ...]

    @property
    def forbidden(self) -> bool:
        return any(problem.kind is ProblemKind.FORBIDDEN for problem in self.problems)


def screen_events(
    items: Sequence[object], *, agency: str, rules: ScreeningRules, now: datetime
) -> Screening:
    """Screens the events an authenticated `agency` sent; `now` is timezone-aware."""
    events: list[IndicatorEvent] = []
    problems: list[EventProblem] = []
    first_index_of: dict[UUID, int] = {}
    for index, item in enumerate(items):
        found = _screen_one(index, item, agency=agency, rules=rules, now=now)
        if isinstance(found, IndicatorEvent):
            earlier = first_index_of.setdefault(found.event_id, index)
            if earlier != index:
                found = [
                    EventProblem(
                        index,
                        "event_id",
                        f"repeats the event_id of the event at index {earlier}; "
                        "every figure needs its own id",
                    )
                ]
        if isinstance(found, IndicatorEvent):
            events.append(found)
        else:
            problems.extend(found)
    return Screening(tuple(events), tuple(problems))


def _screen_one(
    index: int, item: object, *, agency: str, rules: ScreeningRules, now: datetime
) -> IndicatorEvent | list[EventProblem]:
    if not isinstance(item, dict):
        return [EventProblem(index, None, "an event must be a JSON object")]
    problems: list[EventProblem] = []
    claimed = item.get(AGENCY_FIELD)
    if claimed is not None and not (isinstance(claimed, str) and claimed.strip() == agency):
        problems.append(
            EventProblem(
                index,
                AGENCY_FIELD,
                f"the agency comes from the credential: this API key belongs to {agency!r}, "
                f"the event names {claimed!r} (leave 'agency' out or send {agency!r})",
                ProblemKind.FORBIDDEN,
            )
        )
    if lone := lone_surrogates(item):
        # pydantic would refuse these too, without naming a field's name.
        return problems + [
            EventProblem(index, found.field, bilingual(found.reason_vi, found.reason_en))
            for found in lone
        ]
    if repeated := repeated_names(item):
        # pydantic would take the last value of each without a word.
        reason = bilingual(member_names.REASON_VI, member_names.REASON_EN)
        return problems + [EventProblem(index, escaped(name), reason) for name in repeated]
    try:
        event = IndicatorEvent.model_validate({**item, AGENCY_FIELD: agency})
    except ValidationError as error:
        return problems + [_from_validation(index, detail) for detail in error.errors()]
    problems += _catalog_problems(index, event, rules=rules, now=now)
    if problems:
        return problems
    # Revisions of a figure are ordered by reported_at: without one, the gateway's
    # receipt is when the agency reported it.
    return event if event.reported_at else event.model_copy(update={"reported_at": now})


def _catalog_problems(
    index: int, event: IndicatorEvent, *, rules: ScreeningRules, now: datetime
) -> list[EventProblem]:
    # The screening every path shares (`ioc_catalog.screening`); checks set to flag are
    # the aggregator's to record, so here only the problems count.
    problems = []
    for problem in screen_figure(event, rules, now=now).problems:
        reason = problem.reason
        if problem.code in _FIGURE_CODES:
            reason = f"{reason} ({event.indicator})"
        kind = ProblemKind.FORBIDDEN if problem.forbidden else ProblemKind.INVALID
        problems.append(EventProblem(index, problem.field, reason, kind))
    return problems


def _from_validation(index: int, detail: ErrorDetails) -> EventProblem:
    field = ".".join(str(part) for part in detail["loc"]) or None
    match detail["type"]:
        case "extra_forbidden":
            reason = "unknown field: IndicatorEvent v1 has no such field"
        case "missing":
            reason = "required field is missing"
        case "value_error":
            reason = detail["msg"].removeprefix("Value error, ")
        case _:
            reason = detail["msg"]
    return EventProblem(index, field, reason)
