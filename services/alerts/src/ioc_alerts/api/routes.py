"""HTTP routes: acknowledgement links for leaders, a small API for operators."""

from __future__ import annotations

import hmac
import uuid
from datetime import datetime
from typing import Annotated, Any

import asyncpg
from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field

from ioc_alerts.adapters import store
from ioc_alerts.api.pages import (
    acknowledged_page,
    confirm_page,
    invalid_link_page,
    resolved_page,
)
from ioc_alerts.lifecycle.ack_links import verify_ack_token
from ioc_alerts.runtime import Runtime

router = APIRouter()


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(runtime_of)]


async def _alert_title(connection: asyncpg.Connection, alert: asyncpg.Record) -> str:
    title: str = await connection.fetchval(
        "SELECT title_vi FROM ioc.targets WHERE code = $1", alert["target"]
    )
    return title


@router.get("/ack/{alert_id}", response_class=HTMLResponse, include_in_schema=False)
async def open_ack_link(
    alert_id: uuid.UUID, runtime: RuntimeDep, r: str = Query(), t: str = Query()
) -> HTMLResponse:
    if not verify_ack_token(runtime.ack_secret, alert_id, r, t):
        return HTMLResponse(invalid_link_page(), status_code=403)
    async with runtime.pool.acquire() as connection:
        alert = await connection.fetchrow("SELECT * FROM ioc.alerts WHERE id = $1", alert_id)
        if alert is None:
            return HTMLResponse(invalid_link_page(), status_code=404)
        title = await _alert_title(connection, alert)
    if alert["state"] == "resolved":
        return HTMLResponse(resolved_page(title_vi=title, at=alert["resolved_at"]))
    if alert["state"] == "acknowledged":
        return HTMLResponse(
            acknowledged_page(
                title_vi=title,
                by=alert["acknowledged_by"],
                at=alert["acknowledged_at"],
                now_acknowledged=False,
            )
        )
    catalog = await runtime.catalog()
    person = catalog.recipients.get(r)
    name = person.name if person else r
    return HTMLResponse(confirm_page(title_vi=title, recipient_name=name, action=f"?r={r}&t={t}"))


@router.post("/ack/{alert_id}", response_class=HTMLResponse, include_in_schema=False)
async def confirm_ack_link(
    alert_id: uuid.UUID, runtime: RuntimeDep, r: str = Query(), t: str = Query()
) -> HTMLResponse:
    if not verify_ack_token(runtime.ack_secret, alert_id, r, t):
        return HTMLResponse(invalid_link_page(), status_code=403)
    catalog = await runtime.catalog()
    person = catalog.recipients.get(r)
    by = f"{person.name} ({person.role_vi})" if person else r
    async with runtime.pool.acquire() as connection:
        changed, alert = await store.acknowledge(connection, alert_id, by=by, now=runtime.clock())
        if alert is None:
            return HTMLResponse(invalid_link_page(), status_code=404)
        title = await _alert_title(connection, alert)
    if changed:
        runtime.metrics.acknowledgements.labels("link").inc()
    if alert["state"] == "resolved":
        return HTMLResponse(resolved_page(title_vi=title, at=alert["resolved_at"]))
    return HTMLResponse(
        acknowledged_page(
            title_vi=title,
            by=alert["acknowledged_by"],
            at=alert["acknowledged_at"],
            now_acknowledged=changed,
        )
    )


def operator(runtime: RuntimeDep, authorization: Annotated[str | None, Header()] = None) -> str:
    expected = f"Bearer {runtime.api_token}"
    if authorization is None or not hmac.compare_digest(authorization, expected):
        raise HTTPException(status_code=401, detail="a valid operator token is required")
    return "operator"


OperatorDep = Annotated[str, Depends(operator)]


class Acknowledgement(BaseModel):
    model_config = ConfigDict(extra="forbid")
    by: str = Field(min_length=1, max_length=200, description="Who acknowledges")


def _alert_json(row: asyncpg.Record) -> dict[str, Any]:
    return {
        key: (str(value) if isinstance(value, uuid.UUID) else value) for key, value in row.items()
    }


@router.post("/v1/alerts/{alert_id}/ack", tags=["alerts"])
async def acknowledge_alert(
    alert_id: uuid.UUID, body: Acknowledgement, runtime: RuntimeDep, _: OperatorDep
) -> dict[str, Any]:
    async with runtime.pool.acquire() as connection:
        changed, alert = await store.acknowledge(
            connection, alert_id, by=body.by, now=runtime.clock()
        )
    if alert is None:
        raise HTTPException(status_code=404, detail=f"no alert {alert_id}")
    if changed:
        runtime.metrics.acknowledgements.labels("api").inc()
    elif alert["state"] != "acknowledged":
        raise HTTPException(status_code=409, detail=f"alert {alert_id} is {alert['state']}")
    return {"changed": changed, "alert": _alert_json(alert)}


@router.get("/v1/alerts", tags=["alerts"])
async def open_alerts(runtime: RuntimeDep, _: OperatorDep) -> list[dict[str, Any]]:
    async with runtime.pool.acquire() as connection:
        rows = await connection.fetch(
            "SELECT * FROM ioc.alerts WHERE state <> 'resolved' ORDER BY opened_at"
        )
    return [_alert_json(row) for row in rows]


class SilenceRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    target: str | None = None
    indicator: str | None = None
    scope: str | None = None
    starts_at: datetime | None = None
    ends_at: datetime
    created_by: str = Field(min_length=1, max_length=200)
    comment: str = Field(min_length=1, max_length=1000)


@router.post("/v1/silences", status_code=201, tags=["silences"])
async def create_silence(
    body: SilenceRequest, runtime: RuntimeDep, _: OperatorDep
) -> dict[str, str]:
    starts = body.starts_at or runtime.clock()
    if body.ends_at.tzinfo is None or starts.tzinfo is None:
        raise HTTPException(status_code=422, detail="times need a UTC offset, e.g. +07:00")
    if body.ends_at <= starts:
        raise HTTPException(status_code=422, detail="ends_at must be after starts_at")
    if not (body.target or body.indicator or body.scope):
        raise HTTPException(status_code=422, detail="a silence names a target, indicator or scope")
    silence_id = uuid.uuid4()
    async with runtime.pool.acquire() as connection:
        await connection.execute(
            "INSERT INTO ioc.silences (id, target, indicator, scope, starts_at, ends_at, "
            "created_by, comment) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            silence_id,
            body.target,
            body.indicator,
            body.scope,
            starts,
            body.ends_at,
            body.created_by,
            body.comment,
        )
    return {"id": str(silence_id)}
