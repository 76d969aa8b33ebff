"""Telegram, through the Bot API: `sendPhoto` with the chart, else `sendMessage`.

Request format (Bot API documentation, "Making requests", sendMessage, sendPhoto):
POST {base}/bot<token>/<method>; sendMessage as JSON (`chat_id`, `text` of 1–4096
characters, `parse_mode`, `link_preview_options`); sendPhoto as multipart/form-data
with the file in the `photo` field and a `caption` of 0–1024 characters. Lengths
are counted after entity parsing, so the limit applies to the visible text. Every
answer is `{"ok": true, "result": ...}` or `{"ok": false, "error_code": ...,
"description": ..., "parameters": {"retry_after": seconds}}`.

Plain httpx rather than a bot framework: two methods are all we send, the
frameworks (aiogram, python-telegram-bot) bring their own HTTP stack and turn
errors into exceptions we would have to map back to retryable/permanent anyway.
"""

from __future__ import annotations

from html import escape
from typing import Any, Self

import httpx
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from ioc_alerts.messages.rendered import RenderedMessage, utf16_length
from ioc_alerts.notify.delivery import DeliveryOutcome, DeliveryResult, OutgoingMessage
from ioc_alerts.notify.http import (
    USER_AGENT,
    excerpt,
    json_object,
    post_capped,
    timeout,
    transport_failure,
)
from ioc_alerts.notify.retry import hint_seconds, outcome_for_status
from ioc_contracts.catalog import Recipient

TELEGRAM_API = "https://api.telegram.org"
MESSAGE_LIMIT = 4096
CAPTION_LIMIT = 1024


class TelegramSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    bot_token: SecretStr = Field(description="Token from @BotFather.")
    base_url: str = Field(default=TELEGRAM_API, description="Bot API server; a local one in tests.")
    timeout_seconds: float = Field(default=10.0, gt=0, le=120)


def telegram_html(rendered: RenderedMessage, limit: int) -> str:
    """The message as Telegram HTML within `limit`: headline in bold, the rest escaped."""
    visible = rendered.shortened(limit, measure=utf16_length)
    headline, _, rest = visible.partition("\n")
    return f"<b>{escape(headline, quote=False)}</b>\n{escape(rest, quote=False)}"


class TelegramChannel:
    name = "telegram"

    def __init__(self, settings: TelegramSettings, client: httpx.AsyncClient | None = None):
        self._settings = settings
        self._client = client or httpx.AsyncClient(
            timeout=timeout(settings.timeout_seconds), headers={"User-Agent": USER_AGENT}
        )
        self._owns_client = client is None

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    def _url(self, method: str) -> str:
        token = self._settings.bot_token.get_secret_value()
        return f"{self._settings.base_url.rstrip('/')}/bot{token}/{method}"

    async def send(self, recipient: Recipient, message: OutgoingMessage) -> DeliveryResult:
        chat_id = recipient.telegram_chat_id
        if not chat_id:
            return DeliveryResult.permanent(
                None, f"recipient {recipient.id} has no Telegram chat id"
            )
        try:
            if message.chart_png:
                response = await post_capped(
                    self._client,
                    self._url("sendPhoto"),
                    data={
                        "chat_id": chat_id,
                        "caption": telegram_html(message.rendered, CAPTION_LIMIT),
                        "parse_mode": "HTML",
                    },
                    files={"photo": ("chart.png", message.chart_png, "image/png")},
                )
            else:
                response = await post_capped(
                    self._client,
                    self._url("sendMessage"),
                    json={
                        "chat_id": chat_id,
                        "text": telegram_html(message.rendered, MESSAGE_LIMIT),
                        "parse_mode": "HTML",
                        "link_preview_options": {"is_disabled": True},
                    },
                )
        except httpx.HTTPError as error:
            return transport_failure(error, redact=self._settings.bot_token.get_secret_value())
        return read_answer(response)


def read_answer(response: httpx.Response) -> DeliveryResult:
    """Telegram's answer: `ok`, else `error_code` (falling back to the HTTP status)."""
    body = json_object(response)
    if body is None:
        outcome = outcome_for_status(response.status_code)
        detail = f"HTTP {response.status_code} without a Bot API answer: {excerpt(response.text)}"
        if outcome is DeliveryOutcome.SENT:
            # A 2xx that is not the Bot API's JSON means something else answered.
            return DeliveryResult.retryable(response.status_code, detail)
        return DeliveryResult(outcome, response.status_code, detail)
    if body.get("ok") is True:
        return DeliveryResult.sent(response.status_code)
    code = _int(body.get("error_code")) or response.status_code
    description = str(body.get("description", "no description"))
    parameters: dict[str, Any] = body.get("parameters") or {}
    if code == 429:
        wait = _int(parameters.get("retry_after"))
        hint = hint_seconds(wait) if wait is not None else None
        return DeliveryResult.retryable(code, f"flood control: {description}", hint)
    if "migrate_to_chat_id" in parameters:
        # The group became a supergroup; the catalog must be given the new id.
        new_id = parameters["migrate_to_chat_id"]
        return DeliveryResult.permanent(code, f"{description} (new chat id {new_id})")
    if code >= 500:
        return DeliveryResult.retryable(code, description)
    return DeliveryResult.permanent(code, description)


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
