"""The reporting calendar at work: plans the reminders due and says what each one shows.

Who hears what (recipients by their catalog duty):
- due soon: the agency's data officers;
- overdue: its data officers and the IOC duty desk;
- escalated: the agency's director.

Only agencies with a data officer in the catalog are reminded: the catalog names who
sends an agency's reports, and an agency nobody was named for is left to the compliance
dashboard rather than mailed to its director or the duty desk alone. A reminder is
never urgent: quiet hours hold it like a warning until morning. A figure that arrives
closes the report: nothing more is planned, and a reminder still queued is dropped as
superseded when its turn comes. No "received, thank you" message is sent: the
compliance dashboard shows on time or late, and a reply to every figure would bury the
reminders that matter.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from ioc_alerts.adapters import reminders as stored
from ioc_alerts.adapters.catalog import AlertingCatalog
from ioc_alerts.adapters.notifications import ClaimedNotification
from ioc_alerts.domain.reminders import (
    DueReminder,
    ReminderPolicy,
    ReminderStage,
    ReportingDuty,
    plan_reminders,
    reporting_duties,
)
from ioc_alerts.lifecycle.quiet_hours import QuietHours
from ioc_alerts.lifecycle.routing import channels_of
from ioc_alerts.messages.reminder import ReminderContext, render_reminder
from ioc_alerts.notify.delivery import OutgoingMessage
from ioc_contracts.catalog import Duty, Recipient
from ioc_contracts.status import Severity
from ioc_storage.connection import Connection

log = logging.getLogger(__name__)

_TOLD = {
    ReminderStage.DUE_SOON: (Duty.DATA_OFFICER,),
    ReminderStage.OVERDUE: (Duty.DATA_OFFICER, Duty.DUTY_DESK),
    ReminderStage.ESCALATED: (Duty.DIRECTOR,),
}


def duties_of(catalog: AlertingCatalog) -> list[ReportingDuty]:
    """The series each agency answers for, from the catalog's grants."""
    grants = [
        (grant.agency, indicator.code, scope)
        for indicator in catalog.indicators.values()
        for grant in indicator.publishers
        for scope in grant.scopes
    ]
    calendars = {
        code: (indicator.cadence, indicator.due_days)
        for code, indicator in catalog.indicators.items()
    }
    return reporting_duties(grants, calendars)


def recipients_for(catalog: AlertingCatalog, reminder: DueReminder) -> list[Recipient]:
    duties = _TOLD[reminder.stage]
    return sorted(
        (
            person
            for person in catalog.recipients.values()
            if person.duty in duties
            and (person.duty is Duty.DUTY_DESK or person.agency == reminder.duty.agency)
        ),
        key=lambda person: person.id,
    )


@dataclass
class ReminderPlanner:
    pool: asyncpg.Pool
    catalog: Callable[[], Awaitable[AlertingCatalog]]
    policy: ReminderPolicy
    quiet_hours: QuietHours
    clock: Callable[[], datetime]

    async def plan_due(self) -> int:
        """Records the reminders due now and queues their messages; returns how many were
        new (a reminder already recorded, by this replica or another, is skipped)."""
        catalog = await self.catalog()
        reminded = {
            person.agency
            for person in catalog.recipients.values()
            if person.duty is Duty.DATA_OFFICER
        }
        duties = [duty for duty in duties_of(catalog) if duty.agency in reminded]
        now = self.clock()
        async with self.pool.acquire() as connection:
            latest = await stored.latest_figures(connection)
            new = 0
            for reminder in plan_reminders(duties, latest, now, self.policy):
                send_at = self.quiet_hours.release_time(now, Severity.WARNING)
                messages = [
                    stored.QueuedMessage(person.id, channel, send_at)
                    for person in recipients_for(catalog, reminder)
                    for channel in channels_of(person)
                ]
                if await stored.record(connection, reminder, messages, now=now):
                    new += 1
                    log.info(
                        "reporting reminder decided",
                        extra={
                            "agency": reminder.duty.agency,
                            "indicator": reminder.duty.indicator,
                            "scope": reminder.duty.scope,
                            "period_start": reminder.period.start.isoformat(),
                            "stage": reminder.stage.value,
                            "messages": len(messages),
                        },
                    )
        return new


async def reminder_message(
    connection: Connection,
    claimed: ClaimedNotification,
    recipient: Recipient,
    catalog: AlertingCatalog,
    policy: ReminderPolicy,
) -> OutgoingMessage | None:
    """The reminder as it stands at sending time; None once its report has arrived."""
    reminder = await stored.stored_reminder(connection, claimed.id)
    if reminder is None:
        return None
    latest = await stored.latest_figure(
        connection, indicator=reminder.indicator, scope=reminder.scope
    )
    if latest is not None and latest >= reminder.period_start:
        return None  # the figure came: the reminder is closed
    indicator = catalog.indicators.get(reminder.indicator)
    if indicator is None:
        return None  # the indicator left the catalog
    agency_vi, agency_en = catalog.scope_names(reminder.agency)
    scope_vi, scope_en = catalog.scope_names(reminder.scope)
    context = ReminderContext(
        stage=reminder.stage,
        agency_vi=agency_vi,
        agency_en=agency_en,
        indicator_vi=indicator.name_vi,
        indicator_en=indicator.name_en,
        scope_vi=scope_vi,
        scope_en=scope_en,
        cadence=indicator.cadence,
        period_start=reminder.period_start,
        period_end=reminder.period_end,
        due_at=reminder.due_at,
        escalates_at=reminder.due_at + policy.grace,
        latest_at=latest,
    )
    rendered = render_reminder(context, recipient.language)
    return OutgoingMessage(rendered, str(claimed.id), None, recipient.language)
