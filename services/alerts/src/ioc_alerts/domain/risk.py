"""Judging a target against its series at one instant: the entry point of the domain.

Order of the rules, each for a reason:
1. Freshness targets are about silence alone.
2. A deadline that has passed is settled by the figure standing at the deadline, even if
   the series has since gone quiet (nobody reports on a finished programme).
3. Every other target is stale when nothing arrived within the cadence plus grace
   (`freshness.STALE_GRACE`): an old figure says nothing about today's standing.
4. Then the kind's own rule: the pace method for deadlines, the line for the others.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from ioc_alerts.domain.assessment import Assessment
from ioc_alerts.domain.dates import deadline_instant, require_aware
from ioc_alerts.domain.deadline import assess_pace, deadline_verdict
from ioc_alerts.domain.freshness import assess_freshness, stale_after, stale_or_none
from ioc_alerts.domain.pace import pace_window
from ioc_alerts.domain.series import SERIES_HISTORY, Observation, Series
from ioc_alerts.domain.thresholds import assess_threshold
from ioc_contracts.catalog import Indicator, Target, TargetKind


def assess(
    target: Target,
    indicator: Indicator,
    observations: Series | Iterable[Observation],
    *,
    now: datetime,
) -> Assessment:
    """How `target` stands at `now`, given its series; figures dated after `now` are ignored."""
    if target.indicator != indicator.code:
        raise ValueError(f"target {target.code} is on {target.indicator}, not {indicator.code}")
    now = require_aware(now)
    series = Series.of(observations).as_of(now)
    if target.kind is TargetKind.FRESHNESS:
        return assess_freshness(target, indicator, series, now=now)
    # The catalog model gives a deadline to, and only to, deadline targets.
    due = None if target.deadline is None else deadline_instant(target.deadline)
    if due is not None and now >= due:
        return deadline_verdict(target, indicator, series, due=due)
    stale = stale_or_none(indicator, series, now=now, limit=stale_after(indicator))
    if stale is not None:
        return stale
    if due is not None:
        return assess_pace(target, indicator, series, now=now, due=due)
    return assess_threshold(target, indicator, series, now=now)


def reads_since(target: Target, indicator: Indicator, *, now: datetime) -> datetime:
    """The earliest instant whose figures `assess` reads for `target` at `now`.

    Besides the figures from this instant to `now`, it reads only the last figure before
    it (the latest figure of a quiet series, the standing at a deadline, the figure
    before a pace window), and nothing older than `SERIES_HISTORY`: a pass loads just
    that, not years of daily figures. Follows the rules of `assess`, in their order.
    """
    now = require_aware(now)
    oldest = now - SERIES_HISTORY
    if target.kind is TargetKind.FRESHNESS:
        return now  # the latest figure alone
    due = None if target.deadline is None else deadline_instant(target.deadline)
    if due is not None and now >= due:
        return max(due, oldest)  # the figure standing at the deadline
    window: timedelta = pace_window(indicator.cadence)
    return max(now - window, oldest)
