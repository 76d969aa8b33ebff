"""Zalo, through the Official Account API v3: a text message to a follower.

Request (Zalo OA API v3.0, "gửi tin nhắn tư vấn"): POST {base}/v3.0/oa/message/cs with
the OA access token in an `access_token` header and a JSON body
`{"recipient": {"user_id": ...}, "message": {"text": ...}}`; text up to 2000
characters. Zalo answers HTTP 200 whatever happened, with `{"error": 0, ...}` on
success and a negative `error` code and a `message` otherwise.

Which errors are worth retrying: published lists of Zalo's codes disagree on what
several numbers mean (-201, -216 and -230 appear with different meanings), so only
the one code every source agrees is transient is retried: -32, the app's request
rate limit. Every other non-zero code is permanent: a bad or expired token, a user
who does not follow the OA or is outside the interaction window, an exhausted
quota; none of these change within a backoff window, and each needs a person (new
token, the leader messaging the OA). HTTP 5xx, 429 and timeouts are retried.

Consultation ("cs") messages only reach users who interacted with the OA recently;
leaders should message the OA once, or the province should use Zalo's template
(ZNS) product, which this channel does not cover.

Access tokens: an OA access token lasts 25 hours. With the app's id, secret and a
first refresh token (IOC_ZALO_APP_ID, IOC_ZALO_APP_SECRET, IOC_ZALO_REFRESH_TOKEN) the
channel renews it itself through Zalo OAuth v4 (`zalo_oauth`), keeping the current
pair in the database shared by every replica (`zalo_tokens`); a renewal that Zalo
refuses fails the send permanently with what the operator must do, and a renewed
token Zalo calls invalid (-124) early is dropped and the send retried. A fixed
IOC_ZALO_ACCESS_TOKEN still works, until it expires a day later (then -124, permanent).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Self

import httpx
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from ioc_alerts.notify.delivery import DeliveryOutcome, DeliveryResult, OutgoingMessage
from ioc_alerts.notify.http import (
    USER_AGENT,
    excerpt,
    json_object,
    post_capped,
    timeout,
    transport_failure,
)
from ioc_alerts.notify.retry import outcome_for_status, parse_retry_after
from ioc_alerts.notify.zalo_tokens import (
    AccessTokenSource,
    FixedAccessToken,
    TokenUnavailableError,
)
from ioc_contracts.catalog import Recipient

ZALO_API = "https://openapi.zalo.me"
SEND_PATH = "/v3.0/oa/message/cs"
TEXT_LIMIT = 2000
RETRYABLE_ERRORS = frozenset({-32})
INVALID_ACCESS_TOKEN = -124


class ZaloSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    access_token: SecretStr | None = Field(
        default=None,
        description="A fixed OA access token (expires 25 hours after issue); None when the "
        "channel renews its tokens itself.",
    )
    base_url: str = Field(default=ZALO_API, description="OpenAPI server; a local one in tests.")
    timeout_seconds: float = Field(default=10.0, gt=0, le=120)


class ZaloChannel:
    name = "zalo"

    def __init__(
        self,
        settings: ZaloSettings,
        *,
        tokens: AccessTokenSource | None = None,
        client: httpx.AsyncClient | None = None,
    ):
        if tokens is None:
            if settings.access_token is None:
                raise ValueError("Zalo needs a fixed access token or a token source")
            tokens = FixedAccessToken(settings.access_token.get_secret_value())
        self._settings = settings
        self._tokens = tokens
        self._client = client or httpx.AsyncClient(
            timeout=timeout(settings.timeout_seconds), headers={"User-Agent": USER_AGENT}
        )
        self._owns_client = client is None

    async def aclose(self) -> None:
        await self._tokens.aclose()
        if self._owns_client:
            await self._client.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    async def send(self, recipient: Recipient, message: OutgoingMessage) -> DeliveryResult:
        user_id = recipient.zalo_user_id
        if not user_id:
            return DeliveryResult.permanent(None, f"recipient {recipient.id} has no Zalo user id")
        text = message.rendered.shortened(TEXT_LIMIT)
        try:
            access_token = await self._tokens.access_token()
        except TokenUnavailableError as unavailable:
            return unavailable.result
        try:
            response = await post_capped(
                self._client,
                f"{self._settings.base_url.rstrip('/')}{SEND_PATH}",
                headers={"access_token": access_token},
                json={"recipient": {"user_id": user_id}, "message": {"text": text}},
            )
        except httpx.HTTPError as error:
            return transport_failure(error, redact=access_token)
        result = read_answer(response)
        if result.status_code == INVALID_ACCESS_TOKEN and await self._tokens.discard(access_token):
            # Dead before its time (revoked, or replaced by a re-authorization): the next
            # attempt renews it instead of failing every send until the recorded expiry.
            return DeliveryResult.retryable(
                result.status_code, f"{result.detail}; it is renewed before the next attempt"
            )
        return result


def read_answer(response: httpx.Response) -> DeliveryResult:
    outcome = outcome_for_status(response.status_code)
    if outcome is not DeliveryOutcome.SENT:
        hint = parse_retry_after(response.headers.get("Retry-After"), datetime.now(UTC))
        detail = f"HTTP {response.status_code}: {excerpt(response.text)}"
        return DeliveryResult(outcome, response.status_code, detail, hint)
    body = json_object(response)
    error = body.get("error") if body is not None else None
    if body is None or not isinstance(error, int) or isinstance(error, bool):
        return DeliveryResult.retryable(
            response.status_code, f"not a Zalo answer: {excerpt(response.text)}"
        )
    if error == 0:
        return DeliveryResult.sent(response.status_code)
    detail = f"Zalo error {error}: {body.get('message', 'no message')}"
    if error in RETRYABLE_ERRORS:
        return DeliveryResult.retryable(error, detail)
    return DeliveryResult.permanent(error, detail)
