"""May this well-formed event be stored? One screening for every path an event takes.

The ingest gateway (HTTP, CSV, Excel) and the aggregator (everything on Kafka, direct
producers included) both call `screen_figure`, so the rules cannot drift apart: who may
publish the series (the catalog's grants, and whatever else `PublishPolicy.check`
refuses), whether the scope exists at observed_at, how far ahead `observed_at` and `reported_at` may lie, the indicator's time
floor and its data-quality checks. Pure: the caller passes the clock.

The order is the order of the problems returned: who sent it first (a 403 at the
gateway), then the clock, then the figure. The aggregator dead-letters an event with its
first problem; the gateway reports them all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NamedTuple, Protocol

from ioc_catalog.policy import PublishPolicy, Refusal
from ioc_catalog.quality import FigureRules, Finding, figure_findings, too_old
from ioc_catalog.scopes import EMPTY_HISTORY, ScopeDecision, ScopeHistory
from ioc_contracts.catalog import QualityCheck
from ioc_contracts.dead_letter import DeadLetterErrorCode

_DEFAULT_FIGURE_RULES = FigureRules()

# What a refusal of the publish policy is called in the DLQ and which field it names.
# A refusal not listed here (a rule added to the policy later) is a refused grant on the
# scope: that is what the policy answers about.
_POLICY_CODES = {
    Refusal.UNKNOWN_AGENCY: (DeadLetterErrorCode.UNKNOWN_AGENCY, "agency"),
    Refusal.UNKNOWN_INDICATOR: (DeadLetterErrorCode.UNKNOWN_INDICATOR, "indicator"),
    Refusal.NOT_A_PUBLISHER: (DeadLetterErrorCode.NOT_GRANTED, "indicator"),
}
_OTHER_POLICY_REFUSAL = (DeadLetterErrorCode.NOT_GRANTED, "scope")
# Scope verdicts remembered per rules; bounded, so made-up timestamps cannot grow it.
_REMEMBERED_SCOPE_VERDICTS = 50_000


class Figure(Protocol):
    """The fields screening reads: the pydantic contract and the fast decoder's record
    both have them."""

    @property
    def agency(self) -> str: ...
    @property
    def indicator(self) -> str: ...
    @property
    def scope(self) -> str: ...
    @property
    def observed_at(self) -> datetime: ...
    @property
    def value(self) -> float: ...
    @property
    def numerator(self) -> float | None: ...
    @property
    def denominator(self) -> float | None: ...
    @property
    def reported_at(self) -> datetime | None: ...


@dataclass(frozen=True, slots=True)
class ScreeningRules:
    """The catalog in force (grants, each indicator's checks, which scopes exist when)
    and how far ahead a timestamp may lie."""

    policy: PublishPolicy
    figures: Mapping[str, FigureRules]
    max_future: timedelta
    scopes: ScopeHistory = EMPTY_HISTORY
    # (scope, observed_at) → the history's verdict: a batch repeats the same few periods
    # of the same scopes, and each verdict takes a time-zone conversion. These rules are
    # replaced, never changed, when the catalog changes, so nothing here goes stale.
    _scope_verdicts: dict[tuple[str, datetime], ScopeDecision | None] = field(
        default_factory=dict, compare=False, repr=False
    )

    def scope_verdict(self, scope: str, observed_at: datetime) -> ScopeDecision | None:
        """`scopes.check`, remembered."""
        key = (scope, observed_at)
        verdicts = self._scope_verdicts
        if key in verdicts:
            return verdicts[key]
        verdict = self.scopes.check(scope, observed_at)
        if len(verdicts) >= _REMEMBERED_SCOPE_VERDICTS:
            verdicts.clear()
        verdicts[key] = verdict
        return verdict


class Problem(NamedTuple):
    """Why an event may not be stored: its DLQ code, the field, and the reason in words."""

    code: DeadLetterErrorCode
    field: str
    reason: str
    # Refused for who sent it (the catalog's grants), not for what it says: 403.
    forbidden: bool = False


class Screening(NamedTuple):
    problems: Sequence[Problem]
    # Checks it failed that the catalog sets to flag: stored with the figure.
    flags: tuple[Finding, ...]


# Nearly every event: shared rather than built for each.
_CLEAN = Screening((), ())


def screen_figure(
    event: Figure, rules: ScreeningRules, *, now: datetime, first_only: bool = False
) -> Screening:
    """Every problem of `event` in order (only the first with `first_only`), and its flags.

    `now` is timezone-aware. Checks against the figure before it in the series are not
    here: only the aggregator, which reads the series, can make them.
    """
    problems: list[Problem] = []
    decision = rules.policy.check(event.agency, event.indicator, event.scope)
    if not decision.allowed:
        assert decision.refusal is not None
        code, field = _POLICY_CODES.get(decision.refusal, _OTHER_POLICY_REFUSAL)
        reason = decision.reason
        if decision.refusal is Refusal.UNKNOWN_INDICATOR:
            reason = f"{reason}: not in the catalog"
        forbidden = decision.refusal is not Refusal.UNKNOWN_INDICATOR
        problems.append(Problem(code, field, reason, forbidden))
        if first_only:
            return Screening(problems, ())
    # A scope retired (or not yet formed) at observed_at: the reason names the successor.
    scope = rules.scope_verdict(event.scope, event.observed_at)
    if scope is not None:
        problems.append(Problem(DeadLetterErrorCode(scope.refusal.value), "scope", scope.reason))
        if first_only:
            return Screening(problems, ())
    latest_allowed = now + rules.max_future
    for field, moment in (("observed_at", event.observed_at), ("reported_at", event.reported_at)):
        if moment is not None and moment > latest_allowed:
            problems.append(
                Problem(
                    DeadLetterErrorCode.TIMESTAMP_IN_FUTURE,
                    field,
                    f"{moment.isoformat()} lies more than {_duration(rules.max_future)} "
                    f"in the future (server time {now.isoformat(timespec='seconds')})",
                )
            )
            if first_only:
                return Screening(problems, ())
    figure_rules = rules.figures.get(event.indicator) or _DEFAULT_FIGURE_RULES
    old = too_old(figure_rules, event.observed_at)
    if old is not None:
        problems.append(Problem(DeadLetterErrorCode.TIMESTAMP_TOO_OLD, "observed_at", old))
        if first_only:
            return Screening(problems, ())
    findings = figure_findings(
        figure_rules, value=event.value, numerator=event.numerator, denominator=event.denominator
    )
    if not findings:
        return Screening(problems, ()) if problems else _CLEAN
    for finding in findings:
        if finding.refuses:
            problems.append(Problem(refusal_code(finding.check), finding.field, finding.reason))
            if first_only:
                return Screening(problems, ())
    return Screening(problems, tuple(f for f in findings if not f.refuses))


def refusal_code(check: QualityCheck) -> DeadLetterErrorCode:
    """The DLQ code of a refusing check; a value out of range keeps its own, older code."""
    if check is QualityCheck.OUT_OF_RANGE:
        return DeadLetterErrorCode.VALUE_OUT_OF_RANGE
    return DeadLetterErrorCode.QUALITY_CHECK_FAILED


def _duration(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    for unit, size in (("day", 86_400), ("hour", 3_600), ("minute", 60)):
        if seconds and seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{seconds} seconds"
