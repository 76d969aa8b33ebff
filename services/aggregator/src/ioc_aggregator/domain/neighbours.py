"""Checks that compare a figure with the one before it in its series (a cumulative
counter going down, a jump larger than the catalog allows).

Pure: the adapter reads the trusted figure of record stored before each event; here the
nearest earlier unflagged figure of the same batch may stand closer, and the catalog's
action decides: a refusal, or a flag carried with the event.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from ioc_aggregator.domain.records import Accepted, Refused
from ioc_catalog.quality import FigureRules, figure_findings, needs_previous
from ioc_catalog.screening import refusal_code
from ioc_contracts.catalog import QualityCheck

AGAINST_PREVIOUS = frozenset({QualityCheck.COUNTER_DECREASE, QualityCheck.JUMP})
_NO_RULES = FigureRules()

StoredFigure = tuple[datetime, float]


def checked_against_previous(
    items: Sequence[Accepted], rules: Mapping[str, FigureRules]
) -> list[int]:
    """Positions of the items whose indicator has a check against the figure before."""
    # Asked once per indicator in the batch, not once per event.
    indicators = {item.event.indicator for item in items}
    checked = {i for i in indicators if needs_previous(rules.get(i, _NO_RULES))}
    if not checked:
        return []
    return [i for i, item in enumerate(items) if item.event.indicator in checked]


def judge_against_previous(
    items: Sequence[Accepted],
    positions: Sequence[int],
    stored_before: Mapping[int, StoredFigure],
    rules: Mapping[str, FigureRules],
) -> tuple[list[Accepted], list[tuple[Accepted, Refused]]]:
    """The items kept (with any new flags) and those refused, each with its refusal.

    Only the `positions` that `checked_against_previous` named are judged;
    `stored_before` maps such a position to the trusted figure stored before it.
    """
    checked = set(positions)
    if not checked:
        return list(items), []
    # The batch's unflagged figures per series, for the nearest one before each item.
    trusted: dict[tuple[str, str], list[StoredFigure]] = {}
    for i in checked:
        event = items[i].event
        trusted.setdefault((event.indicator, event.scope), [])
    for item in items:
        series = trusted.get((item.event.indicator, item.event.scope))
        if series is not None and not item.flags:
            series.append((item.event.observed_at, item.event.value))
    kept: list[Accepted] = []
    refused: list[tuple[Accepted, Refused]] = []
    for i, item in enumerate(items):
        if i not in checked:
            kept.append(item)
            continue
        event = item.event
        previous = nearest_before(
            event.observed_at, trusted[(event.indicator, event.scope)], stored_before.get(i)
        )
        findings = [
            f
            for f in figure_findings(rules[event.indicator], value=event.value, previous=previous)
            if f.check in AGAINST_PREVIOUS
        ]
        refusing = next((f for f in findings if f.refuses), None)
        if refusing is None:
            kept.append(item._replace(flags=item.flags + tuple(findings)))
            continue
        reason = f"value: {refusing.reason}"
        refused.append((item, Refused(item.record, refusal_code(refusing.check), reason)))
    return kept, refused


def nearest_before(
    at: datetime, batch: Sequence[StoredFigure], stored: StoredFigure | None
) -> float | None:
    """The value of the nearest trusted figure before `at`: stored, or in the batch."""
    best = stored
    for observed_at, value in batch:
        if observed_at < at and (best is None or observed_at > best[0]):
            best = (observed_at, value)
    return None if best is None else best[1]
