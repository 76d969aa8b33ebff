"""Notification channels: email, Telegram, Zalo and signed webhooks.

Each channel is an adapter with `async send(recipient, message) -> DeliveryResult`;
none raises for a failed delivery. `RetryPolicy` says when a retryable one is tried
again.
"""

from ioc_alerts.notify.delivery import (
    Channel,
    DeliveryOutcome,
    DeliveryResult,
    OutgoingMessage,
)
from ioc_alerts.notify.retry import RetryPolicy, outcome_for_status, parse_retry_after
from ioc_alerts.notify.smtp import EmailChannel, SmtpSettings, build_email
from ioc_alerts.notify.ssrf import AddressGuard, Destination, DestinationRefusedError
from ioc_alerts.notify.telegram import TelegramChannel, TelegramSettings
from ioc_alerts.notify.webhook import WebhookChannel, WebhookSettings, signature
from ioc_alerts.notify.zalo import ZaloChannel, ZaloSettings

__all__ = [
    "AddressGuard",
    "Channel",
    "DeliveryOutcome",
    "DeliveryResult",
    "Destination",
    "DestinationRefusedError",
    "EmailChannel",
    "OutgoingMessage",
    "RetryPolicy",
    "SmtpSettings",
    "TelegramChannel",
    "TelegramSettings",
    "WebhookChannel",
    "WebhookSettings",
    "ZaloChannel",
    "ZaloSettings",
    "build_email",
    "outcome_for_status",
    "parse_retry_after",
    "signature",
]
