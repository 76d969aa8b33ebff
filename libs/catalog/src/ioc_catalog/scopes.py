"""The administrative map through time: which scope exists when, who replaced it, and
whose child it is on a given day.

Pure: built from the catalog (`ScopeHistory.from_catalog`) or from the rows the catalog
sync stored (`ScopeHistory(spans, changes)`), and used alike by ingest and the
aggregator (refusing figures of a scope that no longer exists), the derived service
(summing the children valid at a figure's time) and the alert service (a target on a
retired scope). Days are Vietnam's calendar days: a change effective 1/7/2025 takes
effect at 00:00 that day in Vietnam.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from ioc_contracts.catalog import AgencyKind, CarryOver, Catalog, ScopeChangeKind
from ioc_contracts.types import VIETNAM_TIME

_KIND_VI = {
    ScopeChangeKind.MERGE: "sáp nhập",
    ScopeChangeKind.SPLIT: "chia tách",
    ScopeChangeKind.RENAME: "đổi tên",
    ScopeChangeKind.LEVEL_REMOVED: "bỏ cấp hành chính",
}
_KIND_EN = {
    ScopeChangeKind.MERGE: "merged",
    ScopeChangeKind.SPLIT: "split",
    ScopeChangeKind.RENAME: "renamed",
    ScopeChangeKind.LEVEL_REMOVED: "its level removed",
}


@dataclass(frozen=True, slots=True)
class ScopeSpan:
    """One scope and the days it exists: [valid_from, valid_until), open where None."""

    code: str
    name_vi: str
    level: AgencyKind
    parent: str | None = None
    valid_from: date | None = None
    valid_until: date | None = None

    def valid_on(self, day: date) -> bool:
        starts = self.valid_from is None or self.valid_from <= day
        return starts and (self.valid_until is None or day < self.valid_until)


@dataclass(frozen=True, slots=True)
class ResolvedChange:
    """A change with every scope it retires named (a removed level's scopes listed)."""

    code: str
    kind: ScopeChangeKind
    effective: date
    retired: tuple[str, ...]
    successors: tuple[str, ...]
    carry_over: CarryOver


class ScopeRefusal(StrEnum):
    RETIRED = "scope_retired"
    NOT_YET_VALID = "scope_not_yet_valid"


@dataclass(frozen=True, slots=True)
class ScopeDecision:
    """Why a figure cannot be about this scope at that time (Vietnamese first)."""

    refusal: ScopeRefusal
    reason: str
    successors: tuple[str, ...] = ()


def day_of(moment: datetime) -> date:
    """The calendar day in Vietnam of a timezone-aware moment."""
    return moment.astimezone(VIETNAM_TIME).date()


def resolve_changes(catalog: Catalog) -> tuple[ResolvedChange, ...]:
    """The catalog's changes, a removed level's retired scopes listed: those of that level
    whose valid_until is the change's effective date."""
    resolved = []
    for change in catalog.scope_changes:
        retired = change.retired
        if change.kind is ScopeChangeKind.LEVEL_REMOVED:
            retired = tuple(
                agency.code
                for agency in catalog.agencies
                if agency.kind is change.level and agency.valid_until == change.effective
            )
        resolved.append(
            ResolvedChange(
                change.code,
                change.kind,
                change.effective,
                retired,
                change.successors,
                change.carry_over,
            )
        )
    return tuple(resolved)


class ScopeHistory:
    """Answers "does this scope exist then, what replaced it, whose child is it"."""

    def __init__(self, spans: Iterable[ScopeSpan], changes: Iterable[ResolvedChange]) -> None:
        self._spans = {span.code: span for span in spans}
        self.changes = tuple(sorted(changes, key=lambda change: (change.effective, change.code)))
        self._retired_by: dict[str, ResolvedChange] = {}
        for change in self.changes:
            for scope in change.retired:
                self._retired_by.setdefault(scope, change)

    @classmethod
    def from_catalog(cls, catalog: Catalog) -> ScopeHistory:
        spans = (
            ScopeSpan(a.code, a.name_vi, a.kind, a.parent, a.valid_from, a.valid_until)
            for a in catalog.agencies
        )
        return cls(spans, resolve_changes(catalog))

    def span(self, scope: str) -> ScopeSpan | None:
        return self._spans.get(scope)

    def valid_at(self, scope: str, at: datetime) -> bool:
        """Whether `scope` exists at `at`; a scope the map does not know is not judged."""
        span = self._spans.get(scope)
        return span is None or span.valid_on(day_of(at))

    def retirement(self, scope: str) -> ResolvedChange | None:
        """The change that retired `scope`, if one did."""
        return self._retired_by.get(scope)

    def successors_at(self, scope: str, at: datetime) -> tuple[str, ...]:
        """Who stands for `scope` at `at`: itself while valid, else its successors valid
        then (through every later change: a merged district whose level was removed
        leads to the province)."""
        found: list[str] = []
        for code in self._followed(scope, day_of(at), seen=set()):
            if code not in found:
                found.append(code)
        return tuple(found)

    def _followed(self, scope: str, day: date, *, seen: set[str]) -> Iterator[str]:
        span = self._spans.get(scope)
        change = self._retired_by.get(scope)
        if span is None or span.valid_on(day) or change is None or scope in seen:
            yield scope
            return
        seen.add(scope)
        for successor in change.successors:
            yield from self._followed(successor, day, seen=seen)

    def parent_at(self, scope: str, at: datetime) -> str | None:
        """The parent of `scope` at `at`: its own parent while that exists; a merged or
        renamed parent's successor; a removed level's parent (a commune of a removed
        district answers to the province). None where a split leaves it ambiguous."""
        span = self._spans.get(scope)
        parent = span.parent if span else None
        day = day_of(at)
        seen: set[str] = set()
        while parent is not None and parent not in seen:
            parent_span = self._spans.get(parent)
            change = self._retired_by.get(parent)
            if parent_span is None or parent_span.valid_on(day) or change is None:
                return parent
            seen.add(parent)
            if change.kind is ScopeChangeKind.LEVEL_REMOVED:
                parent = parent_span.parent
            elif len(change.successors) == 1:
                parent = change.successors[0]
            else:
                return None
        return parent

    def children_at(self, scope: str, at: datetime) -> tuple[str, ...]:
        """The scopes whose parent at `at` is `scope`, and that exist then."""
        day = day_of(at)
        return tuple(
            code
            for code, span in self._spans.items()
            if span.valid_on(day) and self.parent_at(code, at) == scope
        )

    def check(self, scope: str, observed_at: datetime) -> ScopeDecision | None:
        """None when a figure of `scope` observed at `observed_at` may exist; otherwise
        why not, naming the successor (Vietnamese first, then English)."""
        span = self._spans.get(scope)
        day = day_of(observed_at)
        if span is None or span.valid_on(day):
            return None
        if span.valid_until is not None and day >= span.valid_until:
            return self._retired(span, observed_at)
        assert span.valid_from is not None
        start = span.valid_from
        formed = [c for c in self.changes if scope in c.successors and c.effective == start]
        before = ", ".join(code for change in formed for code in change.retired) or "—"
        return ScopeDecision(
            ScopeRefusal.NOT_YET_VALID,
            f"{span.name_vi} ({scope}) chỉ có từ ngày {_vi_date(start)}; số liệu trước "
            f"đó thuộc {before} / scope {scope!r} exists only from {start.isoformat()}; "
            f"figures before that belong to {before}",
        )

    def _retired(self, span: ScopeSpan, observed_at: datetime) -> ScopeDecision:
        change = self._retired_by.get(span.code)
        end = span.valid_until
        assert end is not None
        successors = tuple(s for s in self.successors_at(span.code, observed_at) if s != span.code)
        named_vi = ", ".join(self._named(code) for code in successors) or "không có"
        named_en = ", ".join(repr(code) for code in successors) or "none"
        how_vi = f" ({_KIND_VI[change.kind]})" if change else ""
        how_en = f" ({_KIND_EN[change.kind]})" if change else ""
        return ScopeDecision(
            ScopeRefusal.RETIRED,
            f"{span.name_vi} ({span.code}) đã ngừng tồn tại từ ngày {_vi_date(end)}{how_vi}; "
            f"đơn vị kế thừa: {named_vi} / scope {span.code!r} was retired on "
            f"{end.isoformat()}{how_en}; successor: {named_en}",
            successors,
        )

    def _named(self, code: str) -> str:
        span = self._spans.get(code)
        return f"{span.name_vi} ({code})" if span else code


def _vi_date(day: date) -> str:
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


EMPTY_HISTORY = ScopeHistory((), ())
