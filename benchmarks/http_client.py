"""A lean HTTP/1.1 client for load: keep-alive connections over asyncio streams.

The gateway benchmark first sent its requests with httpx, whose own CPU (about 3 ms a
request here) made the benchmark process the busiest on the machine: 0.88 of a core
against the gateway's 0.50 at 278 requests/s (2026-12-06), so it measured its client.
This one writes each request's bytes and reads the status line, the headers and a
`Content-Length` or chunked body, nothing more, as load tools such as wrk do; it is a
load generator, not a general client (no redirects, no TLS, no HTTP/2).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from urllib.parse import urlsplit


class HttpError(Exception):
    """The server closed the connection or answered what this client cannot read."""


class KeepAliveClient:
    """`size` connections to one server, each used by one request at a time."""

    def __init__(self, base_url: str, size: int) -> None:
        parts = urlsplit(base_url)
        if parts.scheme != "http" or parts.hostname is None:
            raise ValueError(f"only plain http://host:port is supported, not {base_url!r}")
        self._host, self._port = parts.hostname, parts.port or 80
        self._size = size
        self._idle: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = (
            asyncio.Queue()
        )
        self._all: list[asyncio.StreamWriter] = []

    async def __aenter__(self) -> KeepAliveClient:
        for _ in range(self._size):
            reader, writer = await asyncio.open_connection(self._host, self._port)
            self._all.append(writer)
            self._idle.put_nowait((reader, writer))
        return self

    async def __aexit__(self, *_: object) -> None:
        for writer in self._all:
            writer.close()
        for writer in self._all:
            with suppress(OSError):
                await writer.wait_closed()

    async def post(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        """The response's status and body."""
        head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        request = (
            f"POST {path} HTTP/1.1\r\nHost: {self._host}:{self._port}\r\n"
            f"Content-Length: {len(body)}\r\n{head}\r\n"
        ).encode("latin-1") + body
        async with self._connection() as (reader, writer):
            writer.write(request)
            return await _response(reader)

    @asynccontextmanager
    async def _connection(
        self,
    ) -> AsyncIterator[tuple[asyncio.StreamReader, asyncio.StreamWriter]]:
        connection = await self._idle.get()
        try:
            yield connection
        except BaseException:
            # Its state is unknown: the connection is not used again.
            connection[1].close()
            raise
        self._idle.put_nowait(connection)


async def _response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    status_line = await reader.readline()
    if not status_line:
        raise HttpError("the server closed the connection")
    try:
        status = int(status_line.split(b" ", 2)[1])
    except (IndexError, ValueError) as error:
        raise HttpError(f"not an HTTP status line: {status_line[:80]!r}") from error
    length: int | None = None
    chunked = False
    while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if chunked:
        return status, await _chunks(reader)
    if length is None:
        raise HttpError("a response without Content-Length cannot keep the connection")
    return status, await reader.readexactly(length)


async def _chunks(reader: asyncio.StreamReader) -> bytes:
    parts: list[bytes] = []
    while size := int((await reader.readline()).split(b";")[0], 16):
        parts.append(await reader.readexactly(size))
        await reader.readline()
    await reader.readline()  # the empty line after the last chunk
    return b"".join(parts)
