"""Reminders of the reporting calendar: which agency must be told what, and when.

Pure: the calendar (`ioc_catalog.calendar`), each series' latest figure and the clock
in, the reminders due out. For each report an agency answers for:

- **due soon**: from `lead` before the due moment (never before the period ends), its
  data officers are reminded;
- **overdue**: once the due moment has passed, its data officers and the IOC duty desk
  are told;
- **escalated**: once `grace` has passed after that, the agency's director is told.

A figure observed in the period (or a later one) closes the report: nothing more is
planned for it, and reminders still queued for it are dropped when their turn comes.
Only the stage reached at `now` is planned: a stage missed while the service was down
is not sent late ("due soon" after the due moment would be wrong). A period is chased
until the next period falls due; from then on the next period's reminders speak.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from ioc_catalog.calendar import ReportingPeriod, period_containing, previous_period
from ioc_contracts.catalog import Cadence


class ReminderStage(StrEnum):
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    ESCALATED = "escalated"


@dataclass(frozen=True, slots=True)
class ReminderPolicy:
    lead: timedelta
    """How long before the due moment data officers are first reminded."""
    grace: timedelta
    """How long after the due moment the director is told."""
    cadences: frozenset[Cadence]
    """Cadences reminded; daily figures come from systems, which a reminder cannot hurry."""


DEFAULT_POLICY = ReminderPolicy(
    lead=timedelta(days=3),
    grace=timedelta(days=2),
    cadences=frozenset({Cadence.WEEKLY, Cadence.MONTHLY, Cadence.QUARTERLY, Cadence.YEARLY}),
)


@dataclass(frozen=True, slots=True)
class ReportingDuty:
    """A series an agency answers for, with its calendar."""

    agency: str
    indicator: str
    scope: str
    cadence: Cadence
    due_days: int


@dataclass(frozen=True, slots=True)
class DueReminder:
    duty: ReportingDuty
    period: ReportingPeriod
    stage: ReminderStage


def reporting_duties(
    grants: Iterable[tuple[str, str, str]],
    calendars: Mapping[str, tuple[Cadence, int]],
) -> list[ReportingDuty]:
    """Who answers for each granted series: the agency whose own scope it is, else every
    agency granted it (the same rule as `ioc.reporting_compliance`, migration 0012).

    `grants` are (agency, indicator, scope); `calendars` maps an indicator to its cadence
    and due days.
    """
    granted = sorted(set(grants))
    owned = {(indicator, scope) for agency, indicator, scope in granted if agency == scope}
    duties = []
    for agency, indicator, scope in granted:
        if (indicator, scope) in owned and agency != scope:
            continue
        if indicator not in calendars:
            continue
        cadence, due_days = calendars[indicator]
        duties.append(ReportingDuty(agency, indicator, scope, cadence, due_days))
    return duties


def reminder_moment(period: ReportingPeriod, policy: ReminderPolicy) -> datetime:
    """When data officers are first reminded of `period`'s report."""
    return max(period.due_at - policy.lead, period.end)


def stage_at(
    period: ReportingPeriod, now: datetime, policy: ReminderPolicy
) -> ReminderStage | None:
    """The reminder stage `period`'s missing report has reached at `now`, if any."""
    if now < reminder_moment(period, policy):
        return None
    if now >= period.due_at + policy.grace:
        return ReminderStage.ESCALATED
    # As in `report_status`: a report is missing only once the due moment has passed.
    if now > period.due_at:
        return ReminderStage.OVERDUE
    return ReminderStage.DUE_SOON


def plan_reminders(
    duties: Iterable[ReportingDuty],
    latest: Mapping[tuple[str, str], datetime],
    now: datetime,
    policy: ReminderPolicy,
) -> list[DueReminder]:
    """The reminders due at `now`; `latest` maps (indicator, scope) to its newest figure's
    observed_at. The caller records them so that each is sent once."""
    planned = []
    for duty in duties:
        if duty.cadence not in policy.cadences:
            continue
        newest = latest.get((duty.indicator, duty.scope))
        for period in _chased_periods(duty, now):
            if newest is not None and newest >= period.start:
                continue  # reported (or a later period was): closed
            stage = stage_at(period, now, policy)
            if stage is not None:
                planned.append(DueReminder(duty, period, stage))
    return planned


def _chased_periods(duty: ReportingDuty, now: datetime) -> list[ReportingPeriod]:
    """Periods whose report may still be chased at `now`: ended, and the next period not
    yet due. The period running now has not ended, so it is never among them."""
    current = period_containing(duty.cadence, duty.due_days, now)
    chased = []
    later, period = current, previous_period(duty.cadence, duty.due_days, current)
    # Due days longer than a period (a weekly report due 10 days later) keep more than one
    # period open; older ones are left to the compliance dashboard.
    for _ in range(4):
        if now >= later.due_at:
            break
        chased.append(period)
        later, period = period, previous_period(duty.cadence, duty.due_days, period)
    return chased
