"""What every HTTP channel shares: explicit timeouts and the reading of transport errors."""

from __future__ import annotations

from typing import Any

import httpx

from ioc_alerts.notify.delivery import DeliveryResult
from ioc_runtime import REDACTED
from ioc_runtime import redact as redact_secrets

USER_AGENT = "ioc-monitor-alerts/0.1"
MAX_RESPONSE_BYTES = 64 * 1024
"""The most of an answer we read: a status and a short JSON body are all we need, and a
receiver that answers with gigabytes must not fill the service's memory."""
_ENCODING_HEADERS = ("content-encoding", "content-length", "transfer-encoding")


def timeout(seconds: float) -> httpx.Timeout:
    """One bound for every phase: connect, write, read and waiting for a pooled connection.

    httpx's default is 5 s per phase; a channel states its own so no delivery can hang a
    worker, and a slow API shows up as a retryable timeout instead.
    """
    return httpx.Timeout(seconds)


async def post_capped(
    client: httpx.AsyncClient, url: str, *, max_bytes: int = MAX_RESPONSE_BYTES, **request: Any
) -> httpx.Response:
    """POSTs and reads at most `max_bytes` of the (decoded) answer; the rest is dropped.

    The returned response holds what was read, so channels read it as usual; a body cut
    short is simply not the JSON they expect.
    """
    async with client.stream("POST", url, **request) as streamed:
        body = bytearray()
        async for chunk in streamed.aiter_bytes():
            body += chunk[: max_bytes - len(body)]
            if len(body) >= max_bytes:
                break
        headers = [
            (k, v) for k, v in streamed.headers.items() if k.lower() not in _ENCODING_HEADERS
        ]
        return httpx.Response(
            streamed.status_code, headers=headers, content=bytes(body), request=streamed.request
        )


def transport_failure(error: httpx.HTTPError, *, redact: str | None = None) -> DeliveryResult:
    """A request that got no HTTP answer. Retryable, unless the request itself is malformed."""
    detail = redact_secrets(f"{type(error).__name__}: {error}")
    if redact:
        # The bot token travels in Telegram's URL path; keep it out of stored details.
        detail = detail.replace(redact, REDACTED)
    if isinstance(error, httpx.UnsupportedProtocol):
        return DeliveryResult.permanent(None, detail)
    if isinstance(error, httpx.TimeoutException):
        return DeliveryResult.retryable(None, f"timeout: {detail}")
    if isinstance(error, httpx.TransportError):
        return DeliveryResult.retryable(None, detail)
    return DeliveryResult.permanent(None, detail)


def json_object(response: httpx.Response) -> dict[str, Any] | None:
    """The body as a JSON object, or None (an HTML error page from a proxy, say)."""
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def excerpt(text: str, limit: int = 300) -> str:
    """A short piece of a response body for a stored detail."""
    text = " ".join(text.split())
    return text if len(text) <= limit else f"{text[:limit]}…"
