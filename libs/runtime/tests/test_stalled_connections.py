"""Connections with no request under way are closed (`ioc_runtime.stalled_connections`):
the sweep alone on a clock of its own, then a real uvicorn server with each of its two
HTTP protocols (httptools, which the workspace and the gateway's image have, and h11,
which the other services' images have): connections that never send a request or never
end their request's head are closed, a slow upload under way is not, and the server
keeps answering."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import uvicorn

from ioc_runtime.stalled_connections import StalledConnections, running
from ioc_testing.service_process import closed_by_peer, free_port


@dataclass
class _Transport:
    closed: bool = False

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True


@dataclass
class _Cycle:
    response_complete: bool = False


@dataclass(eq=False)
class _Connection:
    cycle: _Cycle | None = None
    transport: _Transport = field(default_factory=_Transport)


def test_the_sweep_closes_only_what_had_no_request_under_way_for_long_enough() -> None:
    now = [0.0]
    never, busy, served, again = (_Connection() for _ in range(4))
    busy.cycle = _Cycle()
    served.cycle = again.cycle = _Cycle(response_complete=True)
    connections = {never, busy, served, again}
    sweep = StalledConnections(connections, after=10, clock=lambda: now[0])
    assert sweep.sweep() == 0
    now[0] = 6
    again.cycle = _Cycle(response_complete=True)  # another request, served since
    assert sweep.sweep() == 0
    now[0] = 10
    assert sweep.sweep() == 2
    assert [c.transport.closed for c in (never, busy, served, again)] == [
        True,
        False,
        True,
        False,
    ]
    now[0] = 16
    assert sweep.sweep() == 1  # ten seconds after its last request ended
    assert again.transport.closed
    assert not busy.transport.closed


async def _app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    size = 0
    while True:
        message = await receive()
        size += len(message.get("body", b""))
        if not message.get("more_body", False):
            break
    body = str(size).encode()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": body})


@contextlib.asynccontextmanager
async def _served(http: str, after: float) -> AsyncIterator[int]:
    port = free_port()
    config = uvicorn.Config(
        _app, host="127.0.0.1", port=port, http=http, log_config=None, lifespan="off"
    )
    async with running(uvicorn.Server(config), after=after):
        yield port


@pytest.mark.parametrize("http", ["httptools", "h11"])
async def test_a_real_server_closes_stalled_connections_and_no_upload_under_way(
    http: str,
) -> None:
    async with _served(http, after=1.0) as port:
        idle = [await asyncio.open_connection("127.0.0.1", port) for _ in range(200)]
        heads = []
        for _ in range(50):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"POST / HTTP/1.1\r\nHost: x\r\n")  # the head never ends
            await writer.drain()
            heads.append((reader, writer))

        async def slowly() -> AsyncIterator[bytes]:
            for _ in range(12):  # three seconds, three times the limit
                await asyncio.sleep(0.25)
                yield b"x" * 100

        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            upload = await client.post("/", content=slowly())
            await asyncio.sleep(0.5)  # past one more sweep after the upload
            closed = [await closed_by_peer(reader) for reader, _ in idle + heads]
            after = await client.get("/")
        for _, writer in idle + heads:
            writer.close()
    assert (upload.status_code, upload.text) == (200, "1200")
    assert all(closed), closed.count(False)
    assert after.status_code == 200
