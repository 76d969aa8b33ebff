"""Signed webhooks: the alert as JSON, for whatever system a department runs.

Each POST carries
- `X-IOC-Timestamp`: Unix seconds when it was signed;
- `X-IOC-Signature`: `sha256=` + hex HMAC-SHA256 of `timestamp + "." + body` with the
  shared secret (the timestamp is signed, so an old request cannot be replayed with a
  fresh time, and a receiver refuses anything outside its tolerance);
- `X-IOC-Delivery`: the notification id, the same on every retry, so a receiver
  that saw it already can drop the duplicate.

The URL passes `AddressGuard` and the connection goes to the address it checked;
redirects are refused (a 3xx could point anywhere) and proxies from the environment
are ignored (a proxy would resolve the name again).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Self

import httpx
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from ioc_alerts.notify.delivery import DeliveryOutcome, DeliveryResult, OutgoingMessage
from ioc_alerts.notify.http import (
    USER_AGENT,
    excerpt,
    post_capped,
    timeout,
    transport_failure,
)
from ioc_alerts.notify.retry import outcome_for_status, parse_retry_after
from ioc_alerts.notify.ssrf import AddressGuard, DestinationRefusedError, Resolver, system_resolver
from ioc_contracts.catalog import Recipient

SIGNATURE_HEADER = "X-IOC-Signature"
TIMESTAMP_HEADER = "X-IOC-Timestamp"
DELIVERY_HEADER = "X-IOC-Delivery"
SIGNATURE_PREFIX = "sha256="
DEFAULT_TOLERANCE = timedelta(minutes=5)


class WebhookSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    url: str = Field(description="Receiver URL, http or https.")
    secret: SecretStr = Field(min_length=16, description="Shared HMAC secret.")
    allow_hosts: tuple[str, ...] = Field(
        default=(),
        description="Host names or networks (10.20.0.0/16) that may be internal.",
    )
    timeout_seconds: float = Field(default=10.0, gt=0, le=120)


def signature(secret: str | bytes, timestamp: str, body: bytes) -> str:
    key = secret.encode() if isinstance(secret, str) else secret
    digest = hmac.new(key, timestamp.encode("ascii") + b"." + body, hashlib.sha256).hexdigest()
    return f"{SIGNATURE_PREFIX}{digest}"


def verify_signature(
    secret: str | bytes,
    timestamp: str,
    body: bytes,
    header: str,
    *,
    now: datetime,
    tolerance: timedelta = DEFAULT_TOLERANCE,
) -> bool:
    """Whether a received webhook is ours and fresh: for receivers, and for our tests."""
    try:
        signed_at = datetime.fromtimestamp(int(timestamp), UTC)
    except (ValueError, OverflowError, OSError):
        return False
    if abs(now - signed_at) > tolerance:
        return False
    return hmac.compare_digest(signature(secret, timestamp, body), header.strip())


def payload(recipient: Recipient, message: OutgoingMessage) -> dict[str, Any]:
    return {
        "delivery_id": message.notification_id,
        "alert_id": message.alert_id,
        "recipient": recipient.id,
        "language": message.language.value,
        "message": {"subject": message.rendered.subject, "text": message.rendered.text},
        "alerts": [context.as_payload() for context in message.contexts],
    }


class WebhookChannel:
    name = "webhook"

    def __init__(
        self,
        settings: WebhookSettings,
        *,
        resolver: Resolver = system_resolver,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ):
        self._settings = settings
        self._guard = AddressGuard(settings.allow_hosts, resolver)
        self._clock = clock
        self._client = httpx.AsyncClient(
            timeout=timeout(settings.timeout_seconds),
            follow_redirects=False,
            trust_env=False,
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    async def send(self, recipient: Recipient, message: OutgoingMessage) -> DeliveryResult:
        try:
            destination = await self._guard.check(self._settings.url)
        except DestinationRefusedError as refused:
            if refused.retryable:
                return DeliveryResult.retryable(None, f"webhook URL not resolved yet: {refused}")
            return DeliveryResult.permanent(None, f"webhook URL refused: {refused}")
        body = json.dumps(
            payload(recipient, message), ensure_ascii=False, separators=(",", ":")
        ).encode("utf-8")
        timestamp = str(int(self._clock().timestamp()))
        headers = {
            "Host": destination.host_header,
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: signature(self._settings.secret.get_secret_value(), timestamp, body),
            DELIVERY_HEADER: message.notification_id,
        }
        # TLS still checks the certificate against the real name, sent as SNI.
        extensions = {"sni_hostname": destination.host} if destination.scheme == "https" else {}
        try:
            response = await post_capped(
                self._client,
                destination.pinned_url,
                content=body,
                headers=headers,
                extensions=extensions,
            )
        except httpx.HTTPError as error:
            return transport_failure(error)
        return self._read(response)

    def _read(self, response: httpx.Response) -> DeliveryResult:
        code = response.status_code
        if 300 <= code < 400:
            location = response.headers.get("Location", "?")
            return DeliveryResult.permanent(code, f"redirect to {location} not followed")
        outcome = outcome_for_status(code)
        if outcome is DeliveryOutcome.SENT:
            return DeliveryResult.sent(code)
        hint = parse_retry_after(response.headers.get("Retry-After"), self._clock())
        return DeliveryResult(outcome, code, f"HTTP {code}: {excerpt(response.text)}", hint)
