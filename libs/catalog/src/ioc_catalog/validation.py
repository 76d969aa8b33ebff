"""Checks that need more than one entry: duplicates and references between files.

The models check each entry alone; these checks run on a whole `Catalog`, so a
catalog built in code (the synthetic one, a test's) is held to the same rules as the
YAML files.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from ioc_catalog.errors import CatalogProblem
from ioc_catalog.policy import AgencyDirectory, PublishPolicy, expand
from ioc_catalog.scope_validation import AGENCIES, scope_history_problems
from ioc_contracts.catalog import (
    PROVINCE_CODE,
    AgencyKind,
    Catalog,
    FormulaKind,
    Indicator,
    ScopeWord,
    Target,
    TargetKind,
    Unit,
)

DOMAINS_FILE = "domains.yaml"
INDICATORS_FILE = "indicators.yaml"
AGENCIES_FILE = "agencies.yaml"
TARGETS_FILE = "targets.yaml"
RECIPIENTS_FILE = "recipients.yaml"
SCOPE_CHANGES_FILE = "scope_changes.yaml"

_GROUP_WORDS = frozenset({ScopeWord.DEPARTMENTS, ScopeWord.DISTRICTS})
_RESERVED_AGENCY_CODES = frozenset({ScopeWord.OWN, *_GROUP_WORDS})


@dataclass(frozen=True)
class _Finding:
    file: str
    index: int
    entry: str
    message: str


def validate_catalog(
    catalog: Catalog, *, lines: Mapping[str, Sequence[int]] | None = None
) -> list[CatalogProblem]:
    """Every cross-reference problem in `catalog`, in file order.

    `lines` maps a file name to the line of each of its entries (aligned with the
    catalog's tuples), so problems found in loaded YAML can point at their line.
    """
    findings = [
        *_duplicates(catalog),
        *_agency_problems(catalog),
        *_indicator_problems(catalog),
        *_target_problems(catalog),
        *(
            _Finding(AGENCIES_FILE if where == AGENCIES else SCOPE_CHANGES_FILE, i, entry, text)
            for where, i, entry, text in scope_history_problems(catalog)
        ),
        *_recipient_problems(catalog),
    ]
    order = [
        DOMAINS_FILE,
        AGENCIES_FILE,
        INDICATORS_FILE,
        TARGETS_FILE,
        RECIPIENTS_FILE,
        SCOPE_CHANGES_FILE,
    ]
    findings.sort(key=lambda finding: (order.index(finding.file), finding.index))
    return [_problem(finding, lines or {}) for finding in findings]


def _problem(finding: _Finding, lines: Mapping[str, Sequence[int]]) -> CatalogProblem:
    file_lines = lines.get(finding.file, ())
    line = file_lines[finding.index] if finding.index < len(file_lines) else None
    return CatalogProblem(finding.file, finding.entry, finding.message, line)


def _duplicates(catalog: Catalog) -> Iterator[_Finding]:
    collections: list[tuple[str, str, Sequence[str]]] = [
        (DOMAINS_FILE, "domain", [entry.code for entry in catalog.domains]),
        (INDICATORS_FILE, "indicator", [entry.code for entry in catalog.indicators]),
        (AGENCIES_FILE, "agency", [entry.code for entry in catalog.agencies]),
        (TARGETS_FILE, "target", [entry.code for entry in catalog.targets]),
        (RECIPIENTS_FILE, "recipient", [entry.id for entry in catalog.recipients]),
        (SCOPE_CHANGES_FILE, "scope change", [entry.code for entry in catalog.scope_changes]),
    ]
    for file, noun, codes in collections:
        first_seen: dict[str, int] = {}
        for index, code in enumerate(codes):
            if code in first_seen:
                what = "id" if noun == "recipient" else "code"
                message = f"duplicate {what} {code!r} (first is entry #{first_seen[code] + 1})"
                yield _Finding(file, index, f"{noun} {code!r}", message)
            else:
                first_seen[code] = index


def _agency_problems(catalog: Catalog) -> Iterator[_Finding]:
    codes = {agency.code for agency in catalog.agencies}
    for index, agency in enumerate(catalog.agencies):
        found = _Finding(AGENCIES_FILE, index, f"agency {agency.code!r}", "")
        if agency.code in _RESERVED_AGENCY_CODES:
            yield _with(found, f"code {agency.code!r} is reserved for publish grants")
        is_province = agency.kind is AgencyKind.PROVINCE
        if is_province != (agency.code == PROVINCE_CODE):
            # One code for the province agency and the province scope keeps "own" simple.
            yield _with(found, f"the province agency, and only it, has code {PROVINCE_CODE!r}")
        if agency.parent is not None and agency.parent not in codes:
            yield _with(found, f"unknown parent agency {agency.parent!r}")


def _indicator_problems(catalog: Catalog) -> Iterator[_Finding]:
    domains = {domain.code for domain in catalog.domains}
    directory = AgencyDirectory(catalog)
    for index, indicator in enumerate(catalog.indicators):
        found = _Finding(INDICATORS_FILE, index, f"indicator {indicator.code!r}", "")
        if indicator.domain not in domains:
            yield _with(found, f"unknown domain {indicator.domain!r}")
        for grant in indicator.publishers:
            if grant.agency not in _GROUP_WORDS and grant.agency not in directory.codes:
                yield _with(found, f"publisher grant to unknown agency {grant.agency!r}")
            for word in grant.scopes:
                if not directory.knows_scope_word(word):
                    yield _with(found, f"grant to {grant.agency!r} has unknown scope {word!r}")
        for message in _formula_problems(catalog, indicator, directory):
            yield _with(found, message)


def _formula_problems(
    catalog: Catalog, indicator: Indicator, directory: AgencyDirectory
) -> Iterator[str]:
    formula = indicator.formula
    if formula is None:
        return
    by_code = {entry.code: entry for entry in catalog.indicators}
    for term in formula.terms:
        if term.indicator not in by_code:
            yield f"formula reads unknown indicator {term.indicator!r}"
    for word in (*formula.over, *formula.scopes):
        if word not in _GROUP_WORDS and word not in directory.codes:
            yield f"formula names unknown scope {word!r}"
    if formula.kind is FormulaKind.RATIO_OF_SUMS and indicator.unit not in (
        Unit.PERCENT,
        Unit.RATIO,
    ):
        yield f"a ratio_of_sums formula gives a percent or a ratio, not {indicator.unit.value!r}"
    # A province total of the districts' figures of the same indicator reads other
    # series of itself: fine, unless a scope it computes is also one it sums.
    granted = set(expand(indicator.publishers, directory))
    for scope in formula.scopes:
        if (PROVINCE_CODE, scope) not in granted:
            # The derived-indicator service publishes under the province agency.
            yield f"formula computes scope {scope!r}, which the province agency is not granted"
    if set(formula.scopes) & set(formula.over):
        yield "formula computes a scope it also sums over"
    if _reaches(by_code, indicator.code, start=indicator.code):
        yield "formula reads itself through other derived indicators"


def _reaches(by_code: Mapping[str, Indicator], target: str, *, start: str) -> bool:
    """Whether the inputs of `start`'s formula lead back to `target` (a cycle)."""
    seen: set[str] = set()
    pending = [start]
    while pending:
        entry = by_code.get(pending.pop())
        if entry is None or entry.formula is None:
            continue
        for term in entry.formula.terms:
            if term.indicator == entry.code:
                continue  # another scope of itself (see above)
            if term.indicator == target:
                return True
            if term.indicator not in seen:
                seen.add(term.indicator)
                pending.append(term.indicator)
    return False


def _target_problems(catalog: Catalog) -> Iterator[_Finding]:
    indicators = {indicator.code: indicator for indicator in catalog.indicators}
    recipients = {recipient.id for recipient in catalog.recipients}
    policy = PublishPolicy.from_catalog(catalog)
    for index, target in enumerate(catalog.targets):
        found = _Finding(TARGETS_FILE, index, f"target {target.code!r}", "")
        indicator = indicators.get(target.indicator)
        if indicator is None:
            yield _with(found, f"unknown indicator {target.indicator!r}")
        else:
            if target.scope not in policy.scopes_for(indicator.code):
                yield _with(
                    found,
                    f"scope {target.scope!r} is not valid for indicator {indicator.code!r} "
                    "(no agency may publish it for that scope)",
                )
            for message in _value_problems(target, indicator):
                yield _with(found, message)
        for level in target.escalation:
            for recipient in level.notify:
                if recipient not in recipients:
                    yield _with(found, f"escalation to unknown recipient {recipient!r}")


def _recipient_problems(catalog: Catalog) -> Iterator[_Finding]:
    agencies = {agency.code for agency in catalog.agencies}
    for index, recipient in enumerate(catalog.recipients):
        if recipient.agency is not None and recipient.agency not in agencies:
            found = _Finding(RECIPIENTS_FILE, index, f"recipient {recipient.id!r}", "")
            yield _with(found, f"unknown agency {recipient.agency!r}")


def _value_problems(target: Target, indicator: Indicator) -> Iterator[str]:
    if target.kind is TargetKind.RANK and indicator.unit is not Unit.RANK:
        yield f"a rank target needs a rank indicator; {indicator.code!r} is in {indicator.unit}"
    # A freshness target's value is an age in days, not a figure of the indicator.
    value = None if target.kind is TargetKind.FRESHNESS else target.value
    if value is not None and not indicator.accepts(value):
        yield f"value {value:g} is outside {_valid_range(indicator)}"
    if target.baseline is not None and not indicator.accepts(target.baseline.value):
        yield f"baseline value {target.baseline.value:g} is outside {_valid_range(indicator)}"


def _valid_range(indicator: Indicator) -> str:
    low = "-inf" if indicator.min_value is None else f"{indicator.min_value:g}"
    high = "inf" if indicator.max_value is None else f"{indicator.max_value:g}"
    return f"the valid range {low}..{high} of indicator {indicator.code!r}"


def _with(finding: _Finding, message: str) -> _Finding:
    return _Finding(finding.file, finding.index, finding.entry, message)
