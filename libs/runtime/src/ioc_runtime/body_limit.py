"""Request bodies bounded before an application reads them.

FastAPI reads a route's JSON body whole, into memory, before it checks a token: an
unauthenticated client streaming a gigabyte to a route that takes a body made the
service hold it (the operators' API grew by 512 MiB for 256 MiB of spaces, then
answered 422). Uvicorn sets no limit. This middleware answers 413 to a body declared
larger than the limit without keeping any of it, and to one that grows past it while it
streams (chunked, or a Content-Length that lied), the moment it does; the application
then sees the client gone and whatever it answers is dropped. Memory holds one chunk of
a refused body at a time.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_GONE: Message = {"type": "http.disconnect"}
# Most of a refused body read and thrown away so that its sender can read the 413.
DISCARDED_AT_MOST = 64 * 1024 * 1024


class BodyLimit:
    """ASGI middleware: at most `max_bytes` of request body per request (413 past it)."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self._app = app
        self._max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        if _declared_length(scope) > self._max_bytes:
            if not _expects_continue(scope):
                await _discard_rest(receive)
            await self._refuse(send)
            return
        received = 0
        over = answered = started = False

        async def bounded_receive() -> Message:
            nonlocal received, over, answered
            if over:
                return _GONE
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self._max_bytes:
                    over = True
                    if not started:  # else the application's answer is under way
                        answered = True
                        if message.get("more_body", False):
                            await _discard_rest(receive)
                        await self._refuse(send)
                    return _GONE
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            if answered:
                return  # the 413 is the answer; the application's own is dropped
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self._app(scope, bounded_receive, watched_send)
        except ClientDisconnect:
            if not answered:
                raise
            # A route reading the body itself meets the "client gone" it was told: the
            # request is answered, nothing to log as an error.

    async def _refuse(self, send: Send) -> None:
        body = json.dumps(
            {"detail": f"the request body is larger than {self._max_bytes} bytes"}
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    # The rest of the body is not read: the connection cannot be reused.
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


async def _discard_rest(receive: Receive) -> None:
    """Reads what the client still sends, keeping none of it, up to `DISCARDED_AT_MOST`.

    A client that sends its whole body before reading the answer (most libraries do)
    would otherwise meet a connection reset instead of the 413: the server closes with
    its bytes unread. A body past this is cut off so (nginx's lingering close does the
    same); `Expect: 100-continue` (curl's way for large bodies) is answered unread."""
    discarded = 0
    while discarded <= DISCARDED_AT_MOST:
        message = await receive()
        if message["type"] != "http.request":
            return
        discarded += len(message.get("body", b""))
        if not message.get("more_body", False):
            return


def _expects_continue(scope: Scope) -> bool:
    headers: Any = scope.get("headers", ())
    return any(name == b"expect" and value.lower() == b"100-continue" for name, value in headers)


def _declared_length(scope: Scope) -> int:
    """The Content-Length the request declares; 0 when none (the server has already
    refused a malformed one)."""
    headers: Any = scope.get("headers", ())
    for name, value in headers:
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isdigit() else 0
    return 0
