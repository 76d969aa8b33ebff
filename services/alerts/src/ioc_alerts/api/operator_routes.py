"""The operators' API for alerts and silences: viewers read, operators act."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError

from ioc_alerts.adapters import operator_alerts, silences
from ioc_alerts.api.auth import AuthenticatedJsonRoute, Operator, Viewer
from ioc_alerts.api.dependencies import ClockDep, DatabaseDep, MetricsDep
from ioc_alerts.api.guard import client_address
from ioc_alerts.api.models import (
    OPERATOR_ANSWERS,
    AcknowledgementResult,
    AcknowledgeRequest,
    AlertView,
    SilenceQuery,
    SilenceRequest,
    SilenceState,
    SilenceView,
    operator_answers,
)
from ioc_alerts.api.strict_query import plain_query

# Bodies read strictly: a name given twice or a lone surrogate is refused (`strict_json`).
router = APIRouter(route_class=AuthenticatedJsonRoute, dependencies=[Depends(plain_query)])


@router.get("/v1/alerts", tags=["alerts"], responses=OPERATOR_ANSWERS)
async def open_alerts(database: DatabaseDep, _: Viewer) -> list[AlertView]:
    """Alerts not yet resolved, oldest first."""
    async with database.connection() as connection:
        alerts = await operator_alerts.open_alerts(connection)
    return [AlertView.model_validate(alert) for alert in alerts]


@router.post(
    "/v1/alerts/{alert_id}/ack",
    tags=["alerts"],
    responses=operator_answers(not_found="No such alert.", conflict="The alert is resolved."),
)
async def acknowledge_alert(
    alert_id: uuid.UUID,
    request: Request,
    database: DatabaseDep,
    clock: ClockDep,
    metrics: MetricsDep,
    operator: Operator,
    body: AcknowledgeRequest | None = None,
) -> AcknowledgementResult:
    """Acknowledges the alert in the caller's name; again is harmless (`changed: false`)."""
    async with database.connection() as connection:
        result = await operator_alerts.acknowledge(
            connection,
            alert_id,
            by=operator.display_name,
            actor=operator.actor,
            now=clock(),
            detail={"via": "api", "comment": body.comment if body else None},
            remote_addr=client_address(request),
        )
    alert = result.alert
    if alert is None:
        raise HTTPException(status_code=404, detail=f"no alert {alert_id}")
    if result.changed:
        metrics.acknowledgements.labels("api").inc()
    elif alert.state != "acknowledged":
        raise HTTPException(status_code=409, detail=f"alert {alert_id} is {alert.state}")
    return AcknowledgementResult(changed=result.changed, alert=AlertView.model_validate(alert))


def _view(silence: silences.SilenceRecord, now: datetime) -> SilenceView:
    if silence.ended_at is not None or silence.ends_at <= now:
        state = SilenceState.ENDED
    elif silence.starts_at > now:
        state = SilenceState.PENDING
    else:
        state = SilenceState.ACTIVE
    return SilenceView.model_validate({**asdict(silence), "state": state})


@router.post(
    "/v1/silences",
    status_code=201,
    tags=["silences"],
    responses=operator_answers(not_found="No such target, indicator or scope."),
)
async def create_silence(
    body: SilenceRequest, database: DatabaseDep, clock: ClockDep, operator: Operator
) -> SilenceView:
    """Silences notifications about a target, an indicator or a scope for a while."""
    now = clock()
    starts = body.starts_at or now
    if body.ends_at <= starts:
        raise _invalid("ends_at", "ends_at must be in the future when starts_at is not given")
    async with database.connection() as connection:
        try:
            silence = await silences.create_silence(
                connection,
                subject=silences.SilenceSubject(
                    target=body.target, indicator=body.indicator, scope=body.scope
                ),
                starts_at=starts,
                ends_at=body.ends_at,
                comment=body.comment,
                actor=operator.actor,
                now=now,
            )
        except silences.UnknownSubjectError as unknown:
            field, value = unknown.args
            raise HTTPException(
                status_code=404,
                detail=f"Không có {field} {value!r} trong danh mục / no {field} {value!r} "
                "in the catalog",
            ) from unknown
    return _view(silence, now)


@router.get("/v1/silences", tags=["silences"], responses=OPERATOR_ANSWERS)
async def list_silences(
    database: DatabaseDep, clock: ClockDep, _: Viewer, query: Annotated[SilenceQuery, Query()]
) -> list[SilenceView]:
    """Silences, newest first (at most 1,000): active, pending and ended."""
    state = query.state
    now = clock()
    ended = state is SilenceState.ENDED
    holding = state in (SilenceState.ACTIVE, SilenceState.PENDING)
    async with database.connection() as connection:
        found = await silences.list_silences(
            connection, active_at=now if holding else None, ended_by=now if ended else None
        )
    views = [_view(silence, now) for silence in found]
    return [view for view in views if state is None or view.state is state]


@router.post(
    "/v1/silences/{silence_id}/end",
    tags=["silences"],
    responses=operator_answers(
        not_found="No such silence.", conflict="The silence has ended already."
    ),
)
async def end_silence(
    silence_id: uuid.UUID, database: DatabaseDep, clock: ClockDep, operator: Operator
) -> SilenceView:
    """Ends a silence now, in the caller's name; notifications flow again."""
    now = clock()
    async with database.connection() as connection:
        try:
            silence = await silences.end_silence(
                connection, silence_id, actor=operator.actor, now=now
            )
        except silences.SilenceNotFoundError as missing:
            raise HTTPException(status_code=404, detail=f"no silence {silence_id}") from missing
        except silences.SilenceOverError as over:
            raise HTTPException(
                status_code=409, detail=f"silence {silence_id} has ended already"
            ) from over
    return _view(silence, now)


def _invalid(field: str, message: str) -> RequestValidationError:
    """A 422 shaped like every other one, so the answer matches the documented schema."""
    return RequestValidationError(
        [{"type": "value_error", "loc": ("body", field), "msg": message, "input": None}]
    )
