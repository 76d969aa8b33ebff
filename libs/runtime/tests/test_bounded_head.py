"""Every service's HTTP parser (`ioc_runtime.bounded_head`), on a real uvicorn: a header, a
pile of headers or a URL past the bound is refused as it arrives, without being held; a
head of ordinary size is taken; requests framed two ways (the ground of request
smuggling), bare line feeds and folded headers are refused, and nothing hidden in a
body is ever served as a request of its own."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import uvicorn

from ioc_runtime.bounded_head import MAX_HEAD_BYTES, protocol_options
from ioc_runtime.stalled_connections import running
from ioc_testing.service_process import free_port


async def _app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": str(len(scope["headers"])).encode()})


@contextlib.asynccontextmanager
async def _served(options: dict[str, Any]) -> AsyncIterator[int]:
    port = free_port()
    config = uvicorn.Config(
        _app, host="127.0.0.1", port=port, log_config=None, lifespan="off", **options
    )
    async with running(uvicorn.Server(config), after=60):
        yield port


async def _send_head(port: int, start: bytes, piece: bytes, mib: int) -> tuple[int, bytes]:
    """Sends `start`, then `piece` over and over (up to `mib` MiB) while the server
    reads; the bytes sent before it answered or closed, and its answer."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(start)
    sent = len(start)
    chunk = piece * ((1 << 16) // len(piece))
    try:
        while sent < mib << 20:
            writer.write(chunk)
            await writer.drain()
            sent += len(chunk)
            if reader.at_eof() or writer.is_closing():
                break
    except (ConnectionResetError, BrokenPipeError):
        pass
    try:
        answer = await asyncio.wait_for(reader.read(4096), 5)
    except ConnectionResetError:
        answer = b""
    writer.close()
    return sent, answer


@pytest.mark.parametrize(
    ("start", "piece"),
    [
        (b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: ", b"a"),
        (b"GET / HTTP/1.1\r\nHost: x\r\n", b"X-Many: b\r\n"),
        (b"GET /", b"a"),
    ],
    ids=["one long header", "many headers", "a long URL"],
)
async def test_a_head_past_the_bound_is_refused_as_it_arrives(start: bytes, piece: bytes) -> None:
    async with _served(protocol_options()) as port:
        sent, answer = await _send_head(port, start, piece, mib=64)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            still = await client.get("/")
    # Refused long before the 64 MiB (a few socket buffers past the bound), the answer
    # a client error when one could be read before the close.
    assert sent < 16 << 20, sent
    assert answer == b"" or answer.startswith((b"HTTP/1.1 431", b"HTTP/1.1 400")), answer[:80]
    assert still.status_code == 200


async def test_a_head_of_ordinary_size_is_taken() -> None:
    headers = {f"x-field-{n}": "v" * 200 for n in range(150)}  # about 32 KiB
    assert sum(len(k) + len(v) for k, v in headers.items()) < MAX_HEAD_BYTES
    async with (
        _served(protocol_options()) as port,
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client,
    ):
        answer = await client.get("/", headers=headers)
    assert answer.status_code == 200
    assert int(answer.text) >= 150


HIDDEN = b"GET /hidden HTTP/1.1\r\nHost: x\r\n\r\n"


@pytest.mark.parametrize(
    "raw",
    [
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"0\r\n\r\n" + HIDDEN,
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: 41\r\n\r\n"
        b"abcd" + HIDDEN,
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n",
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length : 4\r\n\r\nabcd",
        b"GET / HTTP/1.1\r\nHost: x\r\nX-Folded: 1\r\n 2\r\n\r\n",
        b"GET / HTTP/1.1\nHost: x\n\n",
    ],
    ids=["length and chunked", "two lengths", "chunked not last", "space before colon",
         "folded header", "bare line feeds"],
)  # fmt: skip
async def test_a_request_framed_two_ways_is_refused_and_nothing_hidden_is_served(
    raw: bytes,
) -> None:
    async with _served(protocol_options()) as port:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(raw)
        await writer.drain()
        answer = await asyncio.wait_for(reader.read(65_536), 5)
        writer.close()
    assert answer.startswith(b"HTTP/1.1 400"), answer[:80]
    assert answer.count(b"HTTP/1.1") == 1, answer
