"""Signed webhooks: the alert as JSON, for whatever system a department runs.

Signed to the Standard Webhooks specification, so a department verifies them with the
stock libraries (`standardwebhooks` for Python, JavaScript, Go, Java, .NET …) instead
of code of its own. Each POST carries
- `webhook-id`: the notification id, the same on every retry, so a receiver that saw
  it already can drop the duplicate;
- `webhook-timestamp`: Unix seconds when it was signed (a receiver refuses anything
  outside its tolerance, five minutes in the libraries);
- `webhook-signature`: `v1,` + base64 HMAC-SHA256 of `id.timestamp.body`, keyed with
  the secret's bytes. The id and the timestamp are signed, so an old request cannot be
  replayed under a fresh time or another id.
The secret (IOC_WEBHOOK_SECRET) is in the specification's form: `whsec_` + the base64
of 24 to 64 random bytes, given to the department as is.

The URL passes `AddressGuard` and the connection goes to the address it checked;
redirects are refused (a 3xx could point anywhere) and proxies from the environment
are ignored (a proxy would resolve the name again).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Self

import httpx
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

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

ID_HEADER = "webhook-id"
TIMESTAMP_HEADER = "webhook-timestamp"
SIGNATURE_HEADER = "webhook-signature"
SECRET_PREFIX = "whsec_"  # noqa: S105 (the specification's prefix, not a secret)
SECRET_BYTES = (24, 64)
"""The specification's bounds on the key's length (before base64)."""
EXPECTED_FORM = (
    "IOC_WEBHOOK_SECRET must be whsec_ followed by the base64 of 24 to 64 random bytes, "
    "e.g. python3 -c \"import base64, os; print('whsec_' + base64.b64encode(os.urandom(32))"
    '.decode())"'
)


def signing_key(secret: str) -> bytes:
    """The HMAC key inside a `whsec_` secret; ValueError for anything else."""
    if not secret.startswith(SECRET_PREFIX):
        raise ValueError(EXPECTED_FORM)
    try:
        key = base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except binascii.Error:
        raise ValueError(EXPECTED_FORM) from None
    if not SECRET_BYTES[0] <= len(key) <= SECRET_BYTES[1]:
        raise ValueError(EXPECTED_FORM)
    return key


class WebhookSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    url: str = Field(description="Receiver URL, http or https.")
    secret: SecretStr = Field(
        description="Standard Webhooks secret: whsec_ + base64 of 24 to 64 random bytes.",
        examples=["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
    )
    allow_hosts: tuple[str, ...] = Field(
        default=(),
        description="Host names or networks (10.20.0.0/16) that may be internal.",
    )
    timeout_seconds: float = Field(default=10.0, gt=0, le=120)

    @field_validator("secret")
    @classmethod
    def _standard_secret(cls, secret: SecretStr) -> SecretStr:
        # The message says what form is expected, never the value given.
        signing_key(secret.get_secret_value())
        return secret


def signature(key: bytes, message_id: str, timestamp: str, body: bytes) -> str:
    """`v1,` + base64 HMAC-SHA256 of `id.timestamp.body`, as the specification says."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


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
        self._key = signing_key(settings.secret.get_secret_value())
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
            ID_HEADER: message.notification_id,
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: signature(self._key, message.notification_id, timestamp, body),
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
