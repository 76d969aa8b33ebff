"""What every service's /metrics holds besides its own metrics, to Prometheus' conventions.

- the process and runtime collectors (`process_*`, `python_gc_*`, `python_info`): a
  service built on a registry of its own gets them too, not only the default registry;
- `ioc_<service>_build_info{version, revision}`, always 1, so a dashboard can tell which
  build runs where and join it to other series;
- an HTTP request latency histogram (`ioc_<service>_http_request_duration_seconds`, by
  method, route template and status), from a pure ASGI middleware;
- latency buckets reaching past the longest timeout the service applies, so a request
  that ran into its timeout lands in a bucket of its own rather than in +Inf.

FastStream's own Kafka metrics come from its Prometheus middleware, which
`ioc_messaging.clients.safe_broker` installs when given the registry.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Awaitable, Callable, MutableMapping
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from prometheus_client import (
    GC_COLLECTOR,
    PLATFORM_COLLECTOR,
    PROCESS_COLLECTOR,
    REGISTRY,
    CollectorRegistry,
    Histogram,
    Info,
)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
AsgiApp = Callable[[Scope, Receive, Send], Awaitable[None]]

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)
"""Seconds; the last finite bucket (120 s) is past every timeout a service allows."""


def buckets_covering(longest_timeout_seconds: float) -> tuple[float, ...]:
    """`LATENCY_BUCKETS` up to the timeout, and one more past it: what finished within the
    timeout is counted apart from what ran into it, and neither only in +Inf. A timeout
    past them all gets a last bucket at twice itself."""
    kept = tuple(b for b in LATENCY_BUCKETS if b <= longest_timeout_seconds)
    above = [b for b in LATENCY_BUCKETS if b > longest_timeout_seconds]
    return (*kept, above[0] if above else 2.0 * longest_timeout_seconds)


def register_standard_metrics(
    registry: CollectorRegistry, *, service: str, package: str | None = None
) -> None:
    """Process, GC and platform collectors and `ioc_<service>_build_info` on `registry`.

    The version is that of `package`, `ioc-<service>` unless said otherwise (a process
    that a library runs, such as the lag exporter, has its library's version)."""
    if registry is not REGISTRY:  # the default registry has them from import on
        for collector in (PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR):
            with contextlib.suppress(ValueError):  # already there (two services in a test)
                registry.register(collector)
    try:
        package_version = version(package or f"ioc-{service}")
    except PackageNotFoundError:
        package_version = "unknown"
    Info(
        f"ioc_{service}_build",
        "The running build: the package's version and the source revision it was built "
        "from (IOC_BUILD_REVISION, set when the image is built).",
        registry=registry,
    ).info(
        {"version": package_version, "revision": os.environ.get("IOC_BUILD_REVISION", "unknown")}
    )


def service_registry(service: str, registry: CollectorRegistry | None = None) -> CollectorRegistry:
    """The registry a service's metrics go to (a private one unless given), with the
    standard collectors and build info of `ioc-<service>` on it."""
    registry = registry if registry is not None else CollectorRegistry()
    register_standard_metrics(registry, service=service)
    return registry


def http_latency_histogram(
    registry: CollectorRegistry, *, service: str, longest_timeout_seconds: float
) -> Histogram:
    return Histogram(
        f"ioc_{service}_http_request_duration_seconds",
        "Time from a request's arrival until its response started, by method, route "
        "template and status.",
        ["method", "route", "status"],
        buckets=buckets_covering(longest_timeout_seconds),
        registry=registry,
    )


class RequestLatency:
    """ASGI middleware observing every HTTP request in `histogram`.

    The route label is the matched route's template (`/v1/series/{indicator}/{scope}`),
    never the raw path, so an agency's codes do not multiply the series; a request no
    route matched is labelled `unmatched`.
    """

    def __init__(self, app: AsgiApp, *, histogram: Histogram) -> None:
        self._app = app
        self._histogram = histogram

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        started = time.perf_counter()
        answered = False

        async def observed(message: Message) -> None:
            nonlocal answered
            if message["type"] == "http.response.start" and not answered:
                answered = True
                self._observe(scope, int(message["status"]), started)
            await send(message)

        try:
            await self._app(scope, receive, observed)
        finally:
            if not answered:  # failed before any answer: the server answers 500
                self._observe(scope, 500, started)

    def _observe(self, scope: Scope, status: int, started: float) -> None:
        route = getattr(scope.get("route"), "path", None)
        if route is None and "endpoint" in scope and not scope.get("path_params"):
            # A plain route (not a FastAPI one) matched: without parameters, its path is
            # its template.
            route = str(scope.get("path", ""))
        route = route or "unmatched"
        self._histogram.labels(str(scope.get("method", "")), route, str(status)).observe(
            time.perf_counter() - started
        )
