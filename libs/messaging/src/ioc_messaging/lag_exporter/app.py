"""Wires the lag exporter: a loop asking the broker, and /metrics, /healthz and /readyz."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

import uvicorn
from aiokafka.errors import KafkaError
from prometheus_client import CollectorRegistry

from ioc_messaging.lag_exporter.arithmetic import StallClock
from ioc_messaging.lag_exporter.broker import BrokerOffsets
from ioc_messaging.lag_exporter.metrics import LagMetrics
from ioc_messaging.lag_exporter.settings import LagExporterSettings
from ioc_messaging.settings import KafkaSettings
from ioc_runtime.backoff import Backoff
from ioc_runtime.bounded_head import protocol_options
from ioc_runtime.metrics_endpoint import (
    AsgiApp,
    MetricsEndpoint,
    Receive,
    Scope,
    Send,
    metrics_port_of,
)
from ioc_runtime.stalled_connections import serve_closing_stalled

log = logging.getLogger(__name__)


class LagExporter:
    """Asks the broker every `lag_poll_seconds` and shows the answer in the metrics.

    Ready once a poll succeeded and until one fails; after a failure it connects anew,
    backing off, and shows no figures meanwhile.
    """

    def __init__(
        self,
        settings: LagExporterSettings,
        kafka: KafkaSettings,
        metrics: LagMetrics,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._settings = settings
        self._kafka = kafka
        self._metrics = metrics
        self._clock = clock
        self._stalls = StallClock()
        self.ready = False

    async def poll_forever(self) -> None:
        backoff = Backoff(initial=1.0, ceiling=max(1.0, self._settings.lag_poll_seconds))
        while True:
            try:
                async with BrokerOffsets(self._kafka) as broker:
                    while True:
                        reading = await broker.read(self._settings.lag_watched)
                        self._metrics.show(reading, self._stalls, self._clock())
                        if not self.ready:
                            log.info(
                                "measuring %d partitions of the watched groups",
                                len(reading.offsets),
                            )
                        self.ready = True
                        backoff.succeeded()
                        await asyncio.sleep(self._settings.lag_poll_seconds)
            except (KafkaError, OSError, TimeoutError) as error:
                self.ready = False
                self._metrics.forget()
                delay = backoff.next_delay()
                log.warning("cannot read the groups' offsets, again in %.1f s: %r", delay, error)
                await asyncio.sleep(delay)


def http_app(
    exporter: LagExporter, registry: CollectorRegistry, settings: LagExporterSettings
) -> AsgiApp:
    """/metrics (behind the token or on the metrics port when set), /healthz (the process)
    and /readyz (the last poll succeeded)."""
    token = settings.metrics_token.get_secret_value() if settings.metrics_token else None
    metrics = MetricsEndpoint(registry, token=token, elsewhere=settings.metrics_port is not None)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        path = scope.get("path", "")
        if path == "/metrics":
            await metrics(scope, receive, send)
        elif path == "/healthz":
            await _answer(send, 200, b"ok\n")
        elif path == "/readyz":
            if exporter.ready:
                await _answer(send, 200, b"ready\n")
            else:
                await _answer(send, 503, b"no answer from the broker yet\n")
        else:
            await _answer(send, 404, b"not found\n")

    return app


async def _answer(send: Send, status: int, body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"text/plain; charset=utf-8")],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def run(settings: LagExporterSettings, kafka: KafkaSettings) -> None:
    """Serves until SIGTERM or Ctrl-C (uvicorn's signal handling ends `serve`)."""
    registry = CollectorRegistry()
    exporter = LagExporter(settings, kafka, LagMetrics.create(registry))
    server = uvicorn.Server(
        uvicorn.Config(
            http_app(exporter, registry, settings),
            host=settings.http_host,
            port=settings.http_port,
            lifespan="off",
            log_config=None,
            access_log=False,
            **protocol_options(),  # the services' parser, a request's head bounded
        )
    )
    poller = asyncio.create_task(exporter.poll_forever())
    try:
        async with metrics_port_of(registry, settings):
            await serve_closing_stalled(server, after=settings.http_stalled_after_seconds)
    finally:
        poller.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await poller
