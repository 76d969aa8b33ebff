"""The operators' API: open alerts, acknowledgements and silences, behind a token."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, Security
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field, model_validator

from ioc_alerts.adapters import operations
from ioc_alerts.api.dependencies import (
    ApiTokenDep,
    ClockDep,
    DatabaseDep,
    FailuresDep,
    MetricsDep,
)
from ioc_alerts.api.guard import count_failure, refuse_if_failing, same_secret
from ioc_contracts.status import AlertState

router = APIRouter()


class Problem(BaseModel):
    detail: str = Field(description="What went wrong, and what to do about it.")


# What any operator route may answer besides its own result (documented, so clients and
# the schema checks know them).
_OPERATOR_ANSWERS: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem, "description": "The body is not JSON."},
    401: {"model": Problem, "description": "No valid operator token."},
    429: {"model": Problem, "description": "Too many failed attempts from this address."},
    503: {"model": Problem, "description": "The database is busy or unavailable."},
}
_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="OperatorToken",
    description="The operators' token: `Authorization: Bearer <IOC_API_TOKEN>`.",
)


def operator(
    request: Request,
    failures: FailuresDep,
    token: ApiTokenDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)],
) -> str:
    refuse_if_failing(failures, request)
    if credentials is None or not same_secret(token, credentials.credentials):
        count_failure(failures, request)
        raise HTTPException(
            status_code=401,
            detail="a valid operator token is required",
            headers={"WWW-Authenticate": 'Bearer realm="ioc-alerts"'},
        )
    return "operator"


OperatorDep = Annotated[str, Depends(operator)]


class Acknowledgement(BaseModel):
    model_config = ConfigDict(extra="forbid")
    by: str = Field(min_length=1, max_length=200, description="Who acknowledges")


@router.post(
    "/v1/alerts/{alert_id}/ack",
    tags=["alerts"],
    responses={
        **_OPERATOR_ANSWERS,
        404: {"model": Problem, "description": "No such alert."},
        409: {"model": Problem, "description": "The alert is resolved."},
    },
)
async def acknowledge_alert(
    alert_id: uuid.UUID,
    body: Acknowledgement,
    database: DatabaseDep,
    clock: ClockDep,
    metrics: MetricsDep,
    _: OperatorDep,
) -> dict[str, Any]:
    async with database.connection() as connection:
        changed, alert = await operations.acknowledge(connection, alert_id, by=body.by, now=clock())
    if alert is None:
        raise HTTPException(status_code=404, detail=f"no alert {alert_id}")
    if changed:
        metrics.acknowledgements.labels("api").inc()
    elif alert.state is not AlertState.ACKNOWLEDGED:
        raise HTTPException(status_code=409, detail=f"alert {alert_id} is {alert.state}")
    return {"changed": changed, "alert": alert.as_json()}


@router.get("/v1/alerts", tags=["alerts"], responses=_OPERATOR_ANSWERS)
async def open_alerts(database: DatabaseDep, _: OperatorDep) -> list[dict[str, Any]]:
    async with database.connection() as connection:
        return [alert.as_json() for alert in await operations.open_alerts(connection)]


class SilenceRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    target: str | None = Field(default=None, min_length=1, max_length=200)
    indicator: str | None = Field(default=None, min_length=1, max_length=200)
    scope: str | None = Field(default=None, min_length=1, max_length=200)
    starts_at: datetime | None = Field(default=None, description="With a UTC offset; now if absent")
    ends_at: datetime = Field(description="With a UTC offset, e.g. 2023-08-01T00:00:00+07:00")
    created_by: str = Field(min_length=1, max_length=200)
    comment: str = Field(min_length=1, max_length=1000)

    @model_validator(mode="after")
    def _a_real_window(self) -> SilenceRequest:
        texts = (self.target, self.indicator, self.scope, self.created_by, self.comment)
        if any(text is not None and "\x00" in text for text in texts):
            raise ValueError("text may not contain NUL characters")
        for moment in (self.starts_at, self.ends_at):
            if moment is None:
                continue
            if moment.tzinfo is None:
                raise ValueError("times need a UTC offset, e.g. +07:00")
            try:
                moment.astimezone(UTC)
            except OverflowError as error:
                raise ValueError("a time outside the calendar") from error
        if self.starts_at is not None and self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        if not (self.target or self.indicator or self.scope):
            raise ValueError("a silence names a target, indicator or scope")
        return self


@router.post("/v1/silences", status_code=201, tags=["silences"], responses=_OPERATOR_ANSWERS)
async def create_silence(
    body: SilenceRequest, database: DatabaseDep, clock: ClockDep, _: OperatorDep
) -> dict[str, str]:
    starts = body.starts_at or clock()
    if body.ends_at <= starts:
        raise _invalid("ends_at", "ends_at must be in the future when starts_at is not given")
    async with database.connection() as connection:
        try:
            silence_id = await operations.create_silence(
                connection,
                target=body.target,
                indicator=body.indicator,
                scope=body.scope,
                starts_at=starts,
                ends_at=body.ends_at,
                created_by=body.created_by,
                comment=body.comment,
            )
        except operations.UnknownSubjectError as unknown:
            raise _invalid("target", str(unknown)) from unknown
    return {"id": str(silence_id)}


def _invalid(field: str, message: str) -> RequestValidationError:
    """A 422 shaped like every other one, so the answer matches the documented schema."""
    return RequestValidationError(
        [{"type": "value_error", "loc": ("body", field), "msg": message, "input": None}]
    )
