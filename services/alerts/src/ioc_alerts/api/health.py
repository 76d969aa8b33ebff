"""Liveness and readiness, for the orchestrator (not in the API's schema)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from ioc_alerts.adapters.operations import ping

router = APIRouter(include_in_schema=False)


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    database = getattr(request.app.state, "database", None)
    if database is None:  # the lifespan has not opened the pool yet
        return JSONResponse({"status": "starting"}, status_code=503)
    try:
        async with database.pool.acquire(timeout=2) as connection:
            await ping(connection)
        await request.app.state.catalog()
    except Exception as error:
        return JSONResponse({"status": "database unavailable", "error": str(error)}, 503)
    return JSONResponse({"status": "ready"})
