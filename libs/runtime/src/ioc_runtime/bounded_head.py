"""Every service's HTTP parser: httptools, with a request's head (its line and headers)
bounded in size.

httptools (llhttp) is strict where h11, uvicorn's other parser, is lenient: h11 served a
request carrying both Content-Length and Transfer-Encoding and then a second request
hidden in its body on the same connection (request smuggling, were a proxy in front to
read the length), and took bare line feeds and folded headers; httptools refuses all of
them (400). So this package declares httptools and every service is served by it, not
only the gateway, whose `uvicorn[standard]` had brought it.

But with httptools uvicorn holds a header however long it grows: one connection sending
a single header of 200 MiB made the server hold it all, unauthenticated. The protocol
here counts what it has received while a head is unfinished and answers 431 past
`MAX_HEAD_BYTES`, as h11 does with its `max_incomplete_event_size`.
"""

from __future__ import annotations

import logging
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

# nginx takes heads of up to 32 KiB by default; browsers send a few.
MAX_HEAD_BYTES = 64 * 1024
_REASON = f"the request head is larger than {MAX_HEAD_BYTES} bytes\n".encode()
_TOO_LARGE = (
    b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
    b"content-type: text/plain; charset=utf-8\r\n"
    b"content-length: %d\r\n"
    b"connection: close\r\n\r\n%s" % (len(_REASON), _REASON)
)
_log = logging.getLogger(__name__)


def protocol_options() -> dict[str, Any]:
    """uvicorn's `http` protocol for every service."""
    return {"http": BoundedHeadHttpTools}


class BoundedHeadHttpTools(HttpToolsProtocol):
    """httptools' protocol, refusing a head larger than `MAX_HEAD_BYTES`.

    What arrives while a head is unfinished is counted whole, so the chunk that
    ended one request and began the next (pipelining) counts toward the next."""

    _in_head = False
    _head_bytes = 0

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_head, self._head_bytes = True, 0

    def on_headers_complete(self) -> None:
        self._in_head = False
        super().on_headers_complete()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if not self._in_head or self.transport.is_closing():
            return
        self._head_bytes += len(data)
        if self._head_bytes > MAX_HEAD_BYTES:
            _log.warning("refused a request head past the limit", extra={"bytes": self._head_bytes})
            self.transport.write(_TOO_LARGE)
            self.transport.close()
