"""What a channel is given and what it answers.

A channel never raises for a failed delivery: it answers `retryable` (try again
later, maybe after `retry_after`) or `permanent` (the same request will fail again;
record it and stop), so the caller can record every attempt the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Protocol

from ioc_alerts.messages.context import AlertContext
from ioc_alerts.messages.rendered import RenderedMessage
from ioc_contracts.catalog import Language, Recipient


class DeliveryOutcome(StrEnum):
    SENT = "sent"
    RETRYABLE = "retryable"
    PERMANENT = "permanent"


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    outcome: DeliveryOutcome
    status_code: int | None
    """The protocol's own code: HTTP status, SMTP reply code, or the API's error code."""
    detail: str
    retry_after: timedelta | None = None
    """How long the other side asked us to wait (Telegram's retry_after, Retry-After)."""

    @classmethod
    def sent(cls, status_code: int | None, detail: str = "sent") -> DeliveryResult:
        return cls(DeliveryOutcome.SENT, status_code, detail)

    @classmethod
    def retryable(
        cls, status_code: int | None, detail: str, retry_after: timedelta | None = None
    ) -> DeliveryResult:
        return cls(DeliveryOutcome.RETRYABLE, status_code, detail, retry_after)

    @classmethod
    def permanent(cls, status_code: int | None, detail: str) -> DeliveryResult:
        return cls(DeliveryOutcome.PERMANENT, status_code, detail)


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    """One notification to one recipient, ready for any channel."""

    rendered: RenderedMessage
    notification_id: str
    """Stable across retries: the idempotency key where an API takes one."""
    alert_id: str | None = None
    """None for a digest, which is about many alerts."""
    language: Language = Language.VI
    chart_png: bytes | None = None
    contexts: tuple[AlertContext, ...] = ()
    """What the message is about, for channels that send data (the webhook)."""


class Channel(Protocol):
    """A way to reach a leader: email, Telegram, Zalo, webhook."""

    name: str

    async def send(self, recipient: Recipient, message: OutgoingMessage) -> DeliveryResult: ...
