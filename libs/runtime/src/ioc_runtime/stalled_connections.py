"""Connections that hold a socket without making a request are closed.

Uvicorn closes a connection left idle after a response (`timeout_keep_alive`), but not
one that never sends a request, nor one whose request head never ends: 3,000 such
connections to the gateway were all still open after 70 s, each a file descriptor, and
a process that runs out of them can no longer reach its database or broker either (the
"slowloris" attack). nginx's `client_header_timeout` and Go's `ReadHeaderTimeout` are
the usual answer; uvicorn has none, so this sweep closes a connection that has had no
request under way for `after` seconds. A request under way (its head read, its answer
not yet finished: a slow upload, a long query) is never cut.

It reads two attributes both of uvicorn's HTTP protocols have (`cycle`, the request
being served, and its `response_complete`) and the server's set of connections; a test
against the real process holds them (`libs/runtime/tests/test_stalled_connections.py`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable, Collection
from typing import Any

_log = logging.getLogger(__name__)


class StalledConnections:
    """Closes the connections of `connections` with no request under way for `after`
    seconds, as seen by `sweep` calls."""

    def __init__(
        self,
        connections: Collection[Any],
        *,
        after: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._connections = connections
        self._after = after
        self._clock = clock
        # Per connection: the request it last showed (None before its first, or the one
        # it finished) and since when it has shown that and nothing under way.
        self._waiting: dict[Any, tuple[object, float]] = {}

    def sweep(self) -> int:
        """Closes the stalled connections; how many."""
        now = self._clock()
        waiting: dict[Any, tuple[object, float]] = {}
        closed = 0
        for connection in list(self._connections):
            cycle = getattr(connection, "cycle", None)
            if cycle is not None and not cycle.response_complete:
                continue  # a request under way
            seen, since = self._waiting.get(connection, (cycle, now))
            if seen is not cycle:
                since = now  # a request was served since the last sweep
            if now - since >= self._after:
                transport = getattr(connection, "transport", None)
                if transport is not None and not transport.is_closing():
                    transport.close()
                    closed += 1
                continue
            waiting[connection] = (cycle, since)
        self._waiting = waiting
        if closed:
            _log.info(
                "closed connections that made no request",
                extra={"connections": closed, "after_seconds": self._after},
            )
        return closed

    async def run(self, every: float) -> None:
        while True:
            await asyncio.sleep(every)
            self.sweep()


async def serve_closing_stalled(server: Any, *, after: float) -> None:
    """Runs a uvicorn `Server` with the sweep beside it, every quarter of `after`."""
    sweeper = StalledConnections(server.server_state.connections, after=after)
    task = asyncio.create_task(sweeper.run(after / 4), name="stalled-connections")
    try:
        await server.serve()
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


@contextlib.asynccontextmanager
async def running(server: Any, *, after: float) -> AsyncIterator[None]:
    """A uvicorn `Server` served (`serve_closing_stalled`) while the block runs, beside
    whatever else the event loop does: started before the block, stopped after it."""
    task = asyncio.create_task(serve_closing_stalled(server, after=after), name="server")
    while not server.started:
        if task.done():
            task.result()  # its error: the port taken, say
            raise RuntimeError("the server stopped before it started")
        await asyncio.sleep(0.01)
    try:
        yield
    finally:
        server.should_exit = True
        await task
