"""Composes a claimed notification's message from the state at sending time.

A notification superseded since it was decided composes to nothing (None): a reminder whose report
arrived, a firing,
change, repeat or escalation whose alert resolved meanwhile (the resolved message tells
the rest), an escalation or repeat of an alert someone acknowledged, a digest whose
alerts were all resolved or silenced.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from ioc_alerts.adapters import notifications
from ioc_alerts.adapters.catalog import AlertingCatalog
from ioc_alerts.adapters.notifications import ClaimedNotification
from ioc_alerts.deliver.context_builder import LinkSettings, alert_context
from ioc_alerts.domain.reminders import DEFAULT_POLICY, ReminderPolicy
from ioc_alerts.domain.series import SERIES_HISTORY
from ioc_alerts.messages import AlertContext, NotificationKind, render, render_digest
from ioc_alerts.notify.delivery import OutgoingMessage
from ioc_alerts.reminders import reminder_message
from ioc_contracts.catalog import Language, Recipient
from ioc_contracts.status import AlertState
from ioc_storage.connection import Connection

_SUPERSEDED_BY_RESOLUTION = {
    NotificationKind.FIRING,
    NotificationKind.CHANGED,
    NotificationKind.REPEAT,
    NotificationKind.ESCALATION,
}
# An acknowledged alert is neither escalated nor repeated: one decided just before the
# acknowledgement (the per-target lock orders them) is dropped when its turn comes.
_SUPERSEDED_BY_ACKNOWLEDGEMENT = {NotificationKind.ESCALATION, NotificationKind.REPEAT}
_CHARTED_CHANNELS = ("email", "telegram")


@dataclass(frozen=True)
class MessageComposer:
    pool: asyncpg.Pool
    links: LinkSettings
    reminders: ReminderPolicy = DEFAULT_POLICY

    async def compose(
        self,
        claimed: ClaimedNotification,
        recipient: Recipient,
        catalog: AlertingCatalog,
        now: datetime,
    ) -> OutgoingMessage | None:
        async with self.pool.acquire() as connection:
            if claimed.kind is NotificationKind.DIGEST:
                return await self._digest(connection, claimed, recipient, catalog, now)
            if claimed.kind is NotificationKind.REMINDER:
                # About a report, not an alert: rendered and closed by ioc_alerts.reminders.
                return await reminder_message(
                    connection, claimed, recipient, catalog, self.reminders
                )
            assert claimed.alert_id is not None  # only digests are about no single alert
            context = await self._context(
                connection, claimed.alert_id, claimed.kind, claimed.recipient, catalog, now
            )
        if context is None:
            return None
        chart = None
        if not context.chart.is_empty and claimed.channel in _CHARTED_CHANNELS:
            chart = await _chart(context, recipient.language)
        rendered = render(context, recipient.language, with_chart=chart is not None)
        return OutgoingMessage(
            rendered,
            str(claimed.id),
            str(claimed.alert_id),
            recipient.language,
            chart,
            (context,),
        )

    async def _digest(
        self,
        connection: Connection,
        claimed: ClaimedNotification,
        recipient: Recipient,
        catalog: AlertingCatalog,
        now: datetime,
    ) -> OutgoingMessage | None:
        person = claimed.recipient
        assert person is not None  # digests are for people
        contexts = []
        for alert_id in await notifications.alerts_for(connection, person=person, now=now):
            context = await self._context(
                connection, alert_id, NotificationKind.DIGEST, person, catalog, now
            )
            if context is not None:
                contexts.append(context)
        if not contexts:
            return None
        rendered = render_digest(contexts, recipient.language, now)
        return OutgoingMessage(
            rendered, str(claimed.id), None, recipient.language, None, tuple(contexts)
        )

    async def _context(
        self,
        connection: Connection,
        alert_id: uuid.UUID,
        kind: NotificationKind,
        person: str | None,
        catalog: AlertingCatalog,
        now: datetime,
    ) -> AlertContext | None:
        alert = await notifications.alert_view(connection, alert_id)
        if alert is None:
            return None
        if alert.state is AlertState.RESOLVED and kind in _SUPERSEDED_BY_RESOLUTION:
            return None
        if alert.state is AlertState.ACKNOWLEDGED and kind in _SUPERSEDED_BY_ACKNOWLEDGEMENT:
            return None
        target = catalog.targets.get(alert.target)
        if target is None:
            return None
        status = await notifications.status_view(connection, target.code)
        figures = await notifications.recent_figures(
            connection,
            indicator=target.indicator,
            scope=target.scope,
            since=now - SERIES_HISTORY,
            until=now,
        )
        return alert_context(
            alert,
            status,
            figures,
            kind=kind,
            recipient=person,
            catalog=catalog,
            links=self.links,
            now=now,
        )


async def _chart(context: AlertContext, language: Language) -> bytes:
    # Imported here so a text-only deployment never loads matplotlib.
    from ioc_alerts.messages.chart import render_chart

    title = context.title_vi if language is Language.VI else context.title_en
    # Drawing takes tens of milliseconds of CPU: off the event loop.
    return await asyncio.to_thread(
        render_chart, context.chart, title=title, unit=context.unit, language=language
    )
