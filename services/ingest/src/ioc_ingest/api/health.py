"""Liveness and readiness, for the orchestrator (metrics: ioc_runtime.metrics_endpoint)."""

from __future__ import annotations

import asyncpg
from fastapi import APIRouter
from fastapi.responses import JSONResponse

from ioc_ingest.api.dependencies import Services
from ioc_storage.health import database_problem

router = APIRouter(tags=["operations"])

_DB_PING_SECONDS = 2.0


@router.get("/healthz", summary="The process is alive")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="Ready to accept events: Kafka connected, database reachable, catalog read",
    responses={503: {"description": "Not ready; the body says which part is missing."}},
)
async def readyz(services: Services) -> JSONResponse:
    checks = {
        "kafka": "ok" if services.publisher.ready else "not connected",
        "database": await _database_state(services.pool),
        "catalog": "ok" if services.catalog.last is not None else "not read yet",
    }
    ready = all(state == "ok" for state in checks.values())
    return JSONResponse(
        {"status": "ready" if ready else "not ready", "checks": checks},
        status_code=200 if ready else 503,
    )


async def _database_state(pool: asyncpg.Pool) -> str:
    problem = await database_problem(pool, timeout_seconds=_DB_PING_SECONDS)
    return problem or "ok"
