"""The notification channels this deployment has, from its settings."""

from __future__ import annotations

import logging

import asyncpg

from ioc_alerts.config import AlertsSettings
from ioc_alerts.lifecycle.routing import PERSON_CHANNELS
from ioc_alerts.notify.delivery import Channel
from ioc_alerts.notify.smtp import EmailChannel
from ioc_alerts.notify.telegram import TelegramChannel
from ioc_alerts.notify.webhook import WebhookChannel
from ioc_alerts.notify.zalo import ZaloChannel
from ioc_alerts.notify.zalo_tokens import StoredZaloTokens

log = logging.getLogger(__name__)


def build_channels(settings: AlertsSettings, pool: asyncpg.Pool) -> dict[str, Channel]:
    channels: dict[str, Channel] = {}
    if (smtp := settings.smtp()) is not None:
        channels["email"] = EmailChannel(smtp)
    if (telegram := settings.telegram()) is not None:
        channels["telegram"] = TelegramChannel(telegram)
    if (zalo := settings.zalo()) is not None:
        app = settings.zalo_app()
        tokens = StoredZaloTokens(pool, app) if app is not None else None
        channels["zalo"] = ZaloChannel(zalo, tokens=tokens)
    if (webhook := settings.webhook()) is not None:
        channels["webhook"] = WebhookChannel(webhook)
    missing = [name for name in PERSON_CHANNELS if name not in channels]
    if missing:
        # Notifications are still decided for every address a leader has, so a missing
        # channel fails them visibly (attempts, metrics, IocNotificationsFailing) rather
        # than dropping them; this says why at start-up, before the first one fails.
        log.warning(
            "notification channels not configured: %s; notifications to them will fail",
            ", ".join(missing),
            extra={"missing_channels": missing},
        )
    return channels


async def close_channels(channels: dict[str, Channel]) -> None:
    """Closes the channels that hold connections (HTTP clients)."""
    for channel in channels.values():
        close = getattr(channel, "aclose", None)
        if close is not None:
            await close()
