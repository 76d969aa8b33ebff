"""Where Prometheus reads a service's metrics, and who else may.

Metrics carry per-agency labels (which agency sends what, and how often it fails), so
they are not for the public port every agency and leader reaches. Two ways out, the
same for every service:
- `IOC_METRICS_PORT`: /metrics is served on a port of its own (a NetworkPolicy lets
  only the monitoring namespace reach it) and the public port has none;
- `IOC_METRICS_TOKEN`: /metrics stays on the public port but answers only a request
  with `Authorization: Bearer <token>` (Prometheus' `authorization` setting).
With neither (development, the local compose stack), /metrics is open on the public port.
"""

from __future__ import annotations

import contextlib
import hmac
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, MutableMapping
from typing import Any

import uvicorn
from prometheus_client import CollectorRegistry, make_asgi_app

from ioc_runtime.bounded_head import protocol_options
from ioc_runtime.settings import ServiceSettings
from ioc_runtime.stalled_connections import running

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
AsgiApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def bearer_matches(header: bytes | None, token: str) -> bool:
    """Compared as bytes: a header of any characters is just not the token."""
    return header is not None and hmac.compare_digest(header, f"Bearer {token}".encode())


class MetricsEndpoint:
    """/metrics for the public port: the exposition, behind a token when one is set, or
    a 404 when metrics have a port of their own. An ASGI app (a class, so frameworks
    route to it as one, at exactly /metrics)."""

    def __init__(
        self, registry: CollectorRegistry, *, token: str | None, elsewhere: bool = False
    ) -> None:
        self._exposition: AsgiApp = make_asgi_app(registry)
        self._token = token
        self._elsewhere = elsewhere

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._elsewhere:
            await _answer(send, 404, b"not found\n")
            return
        headers = dict(scope.get("headers") or [])
        if self._token is not None and not bearer_matches(
            headers.get(b"authorization"), self._token
        ):
            await _answer(
                send,
                401,
                b"metrics need a token\n",
                [(b"www-authenticate", b'Bearer realm="metrics"')],
            )
            return
        await self._exposition(scope, receive, send)


async def _answer(
    send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"text/plain; charset=utf-8"), *(headers or [])],
        }
    )
    await send({"type": "http.response.body", "body": body})


class _BesideTheService(uvicorn.Server):
    """A second server in the service's process: the signals stay the service's own
    server's, which stops this one through the lifespan."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@contextlib.asynccontextmanager
async def metrics_port(
    registry: CollectorRegistry, *, host: str, port: int, stalled_after: float
) -> AsyncIterator[None]:
    """Serves /metrics on `port` while the block runs, on the service's own event loop
    and parser, with the same sweep of stalled connections as its public port.

    It was prometheus_client's threaded server, a thread per connection that waits for
    ever: a few hundred idle connections made a few hundred threads, which took the
    interpreter from the service's own event loop and left the scrape unanswered."""
    config = uvicorn.Config(
        make_asgi_app(registry),
        host=host,
        port=port,
        log_config=None,
        lifespan="off",
        access_log=False,
        **protocol_options(),
    )
    async with running(_BesideTheService(config), after=stalled_after):
        yield


def metrics_port_of(
    registry: CollectorRegistry, settings: ServiceSettings
) -> contextlib.AbstractAsyncContextManager[None]:
    """`metrics_port` as a service's settings ask for it: none unless
    `IOC_METRICS_PORT` is set."""
    if settings.metrics_port is None:
        return contextlib.nullcontext()
    return metrics_port(
        registry,
        host=settings.metrics_host,
        port=settings.metrics_port,
        stalled_after=settings.http_stalled_after_seconds,
    )
