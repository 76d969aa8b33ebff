"""Where a decided notification goes: each person's own channels, and the webhook."""

from __future__ import annotations

from dataclasses import dataclass

from ioc_alerts.lifecycle.quiet_hours import QuietHours
from ioc_contracts.catalog import Recipient

PERSON_CHANNELS = ("email", "telegram", "zalo")
"""The channels a recipient's own addresses can ask for (the webhook is not a person's)."""


@dataclass(frozen=True)
class Delivery:
    """Where notifications go: each person's channels, and the webhook if configured."""

    webhook_enabled: bool
    quiet_hours: QuietHours


def channels_of(recipient: Recipient) -> list[str]:
    channels = []
    if recipient.email:
        channels.append("email")
    if recipient.telegram_chat_id:
        channels.append("telegram")
    if recipient.zalo_user_id:
        channels.append("zalo")
    return channels
