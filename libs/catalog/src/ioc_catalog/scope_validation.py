"""Checks of the administrative map's history: the agencies' validity dates and the
changes that explain them must tell the same story.

A scope that ends without a change would leave its figures with no successor to name;
a change whose dates disagree with its scopes' would make ingest and the roll-ups
disagree about the same day.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from ioc_catalog.scopes import resolve_changes
from ioc_contracts.catalog import Catalog, ScopeChangeKind

AGENCIES = "agencies"
CHANGES = "scope_changes"

Problem = tuple[str, int, str, str]
"""(which list, index in it, entry label, message)."""


def scope_history_problems(catalog: Catalog) -> Iterator[Problem]:
    agencies = {agency.code: agency for agency in catalog.agencies}
    resolved = resolve_changes(catalog)
    retired_by: dict[str, str] = {}
    for index, (change, done) in enumerate(zip(catalog.scope_changes, resolved, strict=True)):
        label = f"scope change {change.code!r}"
        for code in (*change.retired, *change.successors):
            if code not in agencies:
                yield CHANGES, index, label, f"unknown scope {code!r}"
        for code in done.retired:
            agency = agencies.get(code)
            if agency is not None and agency.valid_until != change.effective:
                yield (
                    CHANGES,
                    index,
                    label,
                    f"retires {code!r}, whose valid_until is not {change.effective.isoformat()}",
                )
            if code in retired_by:
                yield CHANGES, index, label, f"{code!r} is already retired by {retired_by[code]!r}"
            retired_by.setdefault(code, change.code)
        if change.kind is ScopeChangeKind.LEVEL_REMOVED:
            if not done.retired:
                yield CHANGES, index, label, "no scope of that level ends on that day"
            for agency in catalog.agencies:
                starts_later = agency.valid_from is None or agency.valid_from < change.effective
                lives_on = agency.valid_until is None or agency.valid_until > change.effective
                if agency.kind is change.level and starts_later and lives_on:
                    yield CHANGES, index, label, f"{agency.code!r} of that level outlives it"
        for code in change.successors:
            successor = agencies.get(code)
            if successor is not None and not (
                (successor.valid_from is None or successor.valid_from <= change.effective)
                and (successor.valid_until is None or successor.valid_until > change.effective)
            ):
                yield CHANGES, index, label, f"successor {code!r} does not exist on that day"
        if change.kind is ScopeChangeKind.SPLIT:
            yield from _orphans(catalog, index, label, done.retired[0], change.effective)
    for index, agency in enumerate(catalog.agencies):
        if agency.valid_until is not None and agency.code not in retired_by:
            yield (
                AGENCIES,
                index,
                f"agency {agency.code!r}",
                "has a valid_until but no scope change retires it (its successor is unknown)",
            )


def _orphans(
    catalog: Catalog, index: int, label: str, split: str, effective: date
) -> Iterator[Problem]:
    # A child of a split scope would not know which part it now belongs to.
    for agency in catalog.agencies:
        outlives = agency.valid_until is None or agency.valid_until > effective
        if agency.parent == split and outlives:
            yield (
                CHANGES,
                index,
                label,
                f"{agency.code!r} is a child of the split {split!r} and outlives it: give it "
                "its own end and successor",
            )
