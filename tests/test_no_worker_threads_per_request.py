"""No HTTP route of a service makes a worker-thread hop per request.

FastAPI runs a plain `def` endpoint or dependency in anyio's thread pool: a hand-over to
a worker thread and back, and the GIL passed twice, for work that takes microseconds.
Under load those hops were the largest single cost of the ingest gateway after the
database (py-spy, 2026-12-06: the pool's condition variables, 13% of its samples). Every
endpoint and dependency is a coroutine, so a request runs on the event loop alone; one
that must block (a file, a CPU-heavy render) says so by calling `anyio.to_thread` itself.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from fastapi import Depends, FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from prometheus_client import CollectorRegistry

from ioc_alerts import main as alerts_main
from ioc_alerts.config import AlertsSettings
from ioc_derived import main as derived_main
from ioc_derived.config import DerivedSettings
from ioc_ingest import main as ingest_main
from ioc_ingest.config import IngestSettings
from ioc_messaging.settings import KafkaSettings


def _kafka(client_id: str) -> KafkaSettings:
    return KafkaSettings.model_construct(client_id=client_id)


def _apps() -> dict[str, FastAPI]:
    # Unconnected, default settings: only the routes and their dependencies are read.
    return {
        "ingest": ingest_main.create_app(
            IngestSettings.model_construct(),
            kafka=_kafka("ioc-ingest"),
            registry=CollectorRegistry(),
        ),
        "alerts": alerts_main.create_app(
            AlertsSettings.model_construct(), CollectorRegistry(), kafka=_kafka("ioc-alerts")
        ),
        "derived": derived_main.create_app(
            DerivedSettings.model_construct(), CollectorRegistry(), kafka=_kafka("ioc-derived")
        ),
    }


def _api_routes(routes: Sequence[Any]) -> Iterator[APIRoute]:
    """Every APIRoute, those of included routers and mounts too (FastAPI keeps an included
    router as one entry naming the original router)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif (included := getattr(route, "original_router", None)) is not None:
            yield from _api_routes(included.routes)
        else:
            yield from _api_routes(getattr(route, "routes", []))


def _on_the_loop(call: Any) -> bool:
    return inspect.iscoroutinefunction(call) or inspect.isasyncgenfunction(call)


def _threaded(dependant: Dependant, where: str) -> Iterator[str]:
    """Every callable under `dependant` that FastAPI would run in a worker thread."""
    call: Any = dependant.call
    if call is not None and not (_on_the_loop(call) or _on_the_loop(type(call).__call__)):
        yield f"{where}: {getattr(call, '__qualname__', repr(call))}"
    for inner in dependant.dependencies:
        yield from _threaded(inner, where)


@pytest.mark.parametrize("service", ["ingest", "alerts", "derived"])
def test_every_endpoint_and_dependency_runs_on_the_event_loop(service: str) -> None:
    app = _apps()[service]
    routes = list(_api_routes(app.routes))
    assert routes, "no routes found: the walk no longer matches FastAPI's routing"
    # FastAPI resolves a dependency once per request, however many ask for it.
    threaded = list(
        dict.fromkeys(
            found
            for route in routes
            for found in _threaded(route.dependant, f"{sorted(route.methods or ())} {route.path}")
        )
    )
    assert threaded == [], "runs in a worker thread per request:\n" + "\n".join(threaded)


def test_the_check_finds_a_plain_function() -> None:
    app = FastAPI()

    def plain() -> int:
        return 1

    @app.get("/probe")
    async def probe(value: int = Depends(plain)) -> int:
        return value

    [route] = [r for r in app.routes if isinstance(r, APIRoute)]
    assert [f for f in _threaded(route.dependant, "probe")] == ["probe: " + plain.__qualname__]
