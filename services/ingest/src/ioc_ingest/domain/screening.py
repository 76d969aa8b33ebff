"""Screening: is each event well formed, this agency's to send, and plausible?

Every event of a request is screened before anything is published, and every problem
is reported, so an agency fixes a batch in one round trip and never has to guess which
of its events were stored (see `ioc_ingest.api` for the all-or-nothing rule).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from ioc_catalog.policy import PublishPolicy, Refusal
from ioc_catalog.quality import FigureRules, figure_findings, too_old
from ioc_catalog.scopes import EMPTY_HISTORY, ScopeHistory
from ioc_contracts import IndicatorEvent
from ioc_ingest.domain.problems import EventProblem, ProblemKind

AGENCY_FIELD = "agency"


@dataclass(frozen=True, slots=True)
class ScreeningRules:
    """The catalog in force (grants, each indicator's checks, which scopes exist when) and
    how far ahead a timestamp may lie."""

    policy: PublishPolicy
    figures: Mapping[str, FigureRules]
    max_future: timedelta
    scopes: ScopeHistory = EMPTY_HISTORY


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
    try:
        event = IndicatorEvent.model_validate({**item, AGENCY_FIELD: agency})
    except ValidationError as error:
        return problems + [_from_validation(index, detail) for detail in error.errors()]
    problems += _policy_problems(index, event, agency=agency, rules=rules)
    scope = rules.scopes.check(event.scope, event.observed_at)
    if scope is not None:
        # The shared rule (ioc_catalog.scopes): its reason names the successor.
        problems.append(EventProblem(index, "scope", scope.reason))
    problems += _plausibility_problems(index, event, rules=rules, now=now)
    if problems:
        return problems
    # Revisions of a figure are ordered by reported_at: without one, the gateway's
    # receipt is when the agency reported it.
    return event if event.reported_at else event.model_copy(update={"reported_at": now})


def _policy_problems(
    index: int, event: IndicatorEvent, *, agency: str, rules: ScreeningRules
) -> list[EventProblem]:
    decision = rules.policy.check(agency, event.indicator, event.scope)
    if decision.allowed:
        return []
    if decision.refusal is Refusal.UNKNOWN_INDICATOR:
        return [
            EventProblem(
                index, "indicator", f"unknown indicator {event.indicator!r}: not in the catalog"
            )
        ]
    field = "scope" if decision.refusal is Refusal.SCOPE_NOT_GRANTED else "indicator"
    return [EventProblem(index, field, decision.reason, ProblemKind.FORBIDDEN)]


def _plausibility_problems(
    index: int, event: IndicatorEvent, *, rules: ScreeningRules, now: datetime
) -> list[EventProblem]:
    problems: list[EventProblem] = []
    figure_rules = rules.figures.get(event.indicator) or FigureRules()
    # Checks set to flag are the aggregator's to record; here only refusals count.
    for finding in figure_findings(
        figure_rules, value=event.value, numerator=event.numerator, denominator=event.denominator
    ):
        if finding.refuses:
            problems.append(
                EventProblem(index, finding.field, f"{finding.reason} ({event.indicator})")
            )
    old = too_old(figure_rules, event.observed_at)
    if old is not None:
        problems.append(EventProblem(index, "observed_at", old))
    latest_allowed = now + rules.max_future
    for field, moment in (("observed_at", event.observed_at), ("reported_at", event.reported_at)):
        if moment is not None and moment > latest_allowed:
            problems.append(
                EventProblem(
                    index,
                    field,
                    f"{moment.isoformat()} lies more than {_duration(rules.max_future)} "
                    f"in the future (server time {now.isoformat(timespec='seconds')})",
                )
            )
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


def _duration(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    for unit, size in (("day", 86_400), ("hour", 3_600), ("minute", 60)):
        if seconds and seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{seconds} seconds"
