"""Zalo OA OAuth v4: trading a refresh token for a new access token (and refresh token).

Request (Zalo for Developers, "Official Account API → lấy access token từ refresh
token"): POST {oauth}/v4/oa/access_token with the app secret in a `secret_key` header
and a form body `refresh_token=…&app_id=…&grant_type=refresh_token`. Success is
`{"access_token": …, "refresh_token": …, "expires_in": "90000"}` (seconds, often a
string); an error is `{"error": <negative>, "error_name": …, "error_description": …}`.

Each refresh token works once (about three months): a successful answer spends it and
hands back the next one, which the caller must keep. So a Zalo error is final for that
token (a person re-authorizes the OA), while no answer, 5xx and 429 leave it untouched
and are worth retrying.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from ioc_alerts.notify.delivery import DeliveryOutcome, DeliveryResult
from ioc_alerts.notify.http import excerpt, json_object, post_capped, transport_failure
from ioc_alerts.notify.retry import outcome_for_status

ZALO_OAUTH = "https://oauth.zaloapp.com"
REFRESH_PATH = "/v4/oa/access_token"
# Used when an otherwise good answer carries no readable expires_in: short, so a wrong
# guess costs an early refresh rather than a token that dies in use.
FALLBACK_LIFETIME = timedelta(hours=1)
REAUTHORIZE = (
    "re-authorize the Official Account (Zalo for Developers → the app → OA access) "
    "and set the new refresh token in IOC_ZALO_REFRESH_TOKEN"
)


class ZaloAppSettings(BaseModel):
    """The Zalo app that holds the OA's authorization, for renewing access tokens."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    app_id: str = Field(min_length=1, description="Zalo app id.", examples=["1234567890123456789"])
    app_secret: SecretStr = Field(description="The app's secret key, sent as `secret_key`.")
    refresh_token: SecretStr | None = Field(
        default=None,
        description="A refresh token from authorizing the OA; seeds the token store when it "
        "holds no usable refresh token, ignored otherwise.",
    )
    oauth_base_url: str = Field(
        default=ZALO_OAUTH, description="OAuth server; a local one in tests."
    )
    refresh_margin_seconds: float = Field(
        default=600.0, gt=0, description="Renew an access token this long before it expires."
    )

    @property
    def refresh_margin(self) -> timedelta:
        return timedelta(seconds=self.refresh_margin_seconds)


@dataclass(frozen=True, slots=True)
class TokenPair:
    access_token: str
    refresh_token: str
    access_expires_at: datetime

    def __repr__(self) -> str:
        # Tokens never reach a log line or a traceback through a repr.
        return f"TokenPair(access_expires_at={self.access_expires_at.isoformat()})"


class RefreshFailedError(Exception):
    """No new pair. `result` says whether a later try may work; `rejected` is Zalo's own no."""

    def __init__(self, result: DeliveryResult, *, rejected: bool = False) -> None:
        super().__init__(result.detail)
        self.result = result
        self.rejected = rejected


def parse_expires_in(value: object) -> timedelta | None:
    """Zalo's expires_in (seconds, a string or a number) as a lifetime; None if unreadable."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, int | float) and value > 0:
        return timedelta(seconds=value)
    return None


def read_refresh_answer(response: httpx.Response, now: datetime) -> TokenPair:
    """Zalo's answer to a refresh: the new pair, or RefreshFailedError."""
    body = json_object(response)
    error = body.get("error") if body is not None else None
    if body is not None and isinstance(error, int) and not isinstance(error, bool) and error != 0:
        name = body.get("error_name") or body.get("message") or "no error name"
        description = body.get("error_description") or ""
        reason = f"{name}: {description}" if description else str(name)
        detail = f"Zalo refused the OA refresh token (error {error}, {reason}); {REAUTHORIZE}"
        raise RefreshFailedError(DeliveryResult.permanent(error, detail), rejected=True)
    outcome = outcome_for_status(response.status_code)
    if outcome is not DeliveryOutcome.SENT:
        detail = f"Zalo OAuth answered HTTP {response.status_code}: {excerpt(response.text)}"
        raise RefreshFailedError(DeliveryResult(outcome, response.status_code, detail))
    access = body.get("access_token") if body is not None else None
    refresh = body.get("refresh_token") if body is not None else None
    if not isinstance(access, str) or not access or not isinstance(refresh, str) or not refresh:
        # Never echo the body: a half-right answer may still carry a token.
        raise RefreshFailedError(
            DeliveryResult.retryable(response.status_code, "not a Zalo OAuth token answer")
        )
    lifetime = parse_expires_in(body.get("expires_in")) if body is not None else None
    return TokenPair(access, refresh, now + (lifetime or FALLBACK_LIFETIME))


async def refresh_tokens(
    client: httpx.AsyncClient, app: ZaloAppSettings, refresh_token: str, now: datetime
) -> TokenPair:
    """Spends `refresh_token` for a new pair; the caller must store the pair it gets."""
    try:
        response = await post_capped(
            client,
            f"{app.oauth_base_url.rstrip('/')}{REFRESH_PATH}",
            headers={"secret_key": app.app_secret.get_secret_value()},
            data={
                "refresh_token": refresh_token,
                "app_id": app.app_id,
                "grant_type": "refresh_token",
            },
        )
    except httpx.HTTPError as error:
        failure = transport_failure(error, redact=refresh_token)
        detail = f"Zalo OAuth unreachable: {failure.detail}"
        raise RefreshFailedError(
            DeliveryResult(failure.outcome, failure.status_code, detail)
        ) from None
    return read_refresh_answer(response, now)
