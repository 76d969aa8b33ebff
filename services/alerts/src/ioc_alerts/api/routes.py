"""HTTP routes: acknowledgement links for leaders, a small API for operators."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Security
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field, model_validator

from ioc_alerts.adapters import operations, store
from ioc_alerts.api.guard import count_failure, database, refuse_if_failing, same_secret
from ioc_alerts.api.pages import (
    CONFIRM_FIELD,
    CONFIRM_VALUE,
    PAGE_HEADERS,
    acknowledged_page,
    confirm_page,
    expired_link_page,
    invalid_link_page,
    resolved_page,
)
from ioc_alerts.lifecycle.ack_links import LinkCheck, ack_query, check_ack_link
from ioc_alerts.runtime import Runtime

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
# The form is one field; anything much larger is not our page's.
_MAX_FORM_BYTES = 1024


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(runtime_of)]


def _html(page: str, status_code: int = 200) -> HTMLResponse:
    return HTMLResponse(page, status_code=status_code, headers=PAGE_HEADERS)


def _checked_link(
    runtime: Runtime, request: Request, alert_id: uuid.UUID, r: str, e: str | None, t: str
) -> HTMLResponse | None:
    """None when the link may be used; else the page to answer with."""
    refuse_if_failing(runtime, request)
    check = check_ack_link(runtime.ack_secret, alert_id, r, e, t, now=runtime.clock())
    if check is LinkCheck.VALID:
        return None
    if check is LinkCheck.EXPIRED:
        return _html(expired_link_page(), 410)
    count_failure(runtime, request)
    return _html(invalid_link_page(), 403)


@router.get("/ack/{alert_id}", response_class=HTMLResponse, include_in_schema=False)
async def open_ack_link(
    alert_id: uuid.UUID,
    request: Request,
    runtime: RuntimeDep,
    r: str = Query(),
    t: str = Query(),
    e: str | None = Query(default=None),
) -> HTMLResponse:
    """Shows the alert and a button; opening the link changes nothing."""
    if (refused := _checked_link(runtime, request, alert_id, r, e, t)) is not None:
        return refused
    assert e is not None  # a valid link has its expiry
    async with database(runtime) as connection:
        alert = await operations.find_alert(connection, alert_id)
        if alert is None:
            return _html(invalid_link_page(), 404)
        title = await operations.target_title(connection, alert["target"])
    if alert["state"] == "resolved":
        return _html(resolved_page(title_vi=title, at=alert["resolved_at"]))
    if alert["state"] == "acknowledged":
        return _html(
            acknowledged_page(
                title_vi=title,
                by=alert["acknowledged_by"],
                at=alert["acknowledged_at"],
                now_acknowledged=False,
            )
        )
    catalog = await runtime.catalog()
    person = catalog.recipients.get(r)
    expires_at = datetime.fromtimestamp(int(e), UTC)
    action = f"{alert_id}?{ack_query(runtime.ack_secret, alert_id, r, expires_at)}"
    return _html(
        confirm_page(
            title_vi=title,
            recipient_name=person.name if person else r,
            action=action,
            expires_at=expires_at,
        )
    )


async def _pressed_the_button(request: Request) -> bool:
    body = await request.body()
    if len(body) > _MAX_FORM_BYTES:
        return False
    form = parse_qs(body.decode("utf-8", "replace"))
    return form.get(CONFIRM_FIELD) == [CONFIRM_VALUE]


@router.post("/ack/{alert_id}", response_class=HTMLResponse, include_in_schema=False)
async def confirm_ack_link(
    alert_id: uuid.UUID,
    request: Request,
    runtime: RuntimeDep,
    r: str = Query(),
    t: str = Query(),
    e: str | None = Query(default=None),
) -> HTMLResponse:
    """Acknowledges, when a person pressed the page's button."""
    if (refused := _checked_link(runtime, request, alert_id, r, e, t)) is not None:
        return refused
    if not await _pressed_the_button(request):
        # A scanner replaying the link as a POST: show the page a person would see.
        return await open_ack_link(alert_id, request, runtime, r=r, t=t, e=e)
    catalog = await runtime.catalog()
    person = catalog.recipients.get(r)
    by = f"{person.name} ({person.role_vi})" if person else r
    async with database(runtime) as connection:
        changed, alert = await store.acknowledge(connection, alert_id, by=by, now=runtime.clock())
        if alert is None:
            return _html(invalid_link_page(), 404)
        title = await operations.target_title(connection, alert["target"])
    if changed:
        runtime.metrics.acknowledgements.labels("link").inc()
    if alert["state"] == "resolved":
        return _html(resolved_page(title_vi=title, at=alert["resolved_at"]))
    return _html(
        acknowledged_page(
            title_vi=title,
            by=alert["acknowledged_by"],
            at=alert["acknowledged_at"],
            now_acknowledged=changed,
        )
    )


def operator(
    request: Request,
    runtime: RuntimeDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)],
) -> str:
    refuse_if_failing(runtime, request)
    if credentials is None or not same_secret(runtime.api_token, credentials.credentials):
        count_failure(runtime, request)
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
    alert_id: uuid.UUID, body: Acknowledgement, runtime: RuntimeDep, _: OperatorDep
) -> dict[str, Any]:
    async with database(runtime) as connection:
        changed, alert = await store.acknowledge(
            connection, alert_id, by=body.by, now=runtime.clock()
        )
    if alert is None:
        raise HTTPException(status_code=404, detail=f"no alert {alert_id}")
    if changed:
        runtime.metrics.acknowledgements.labels("api").inc()
    elif alert["state"] != "acknowledged":
        raise HTTPException(status_code=409, detail=f"alert {alert_id} is {alert['state']}")
    return {"changed": changed, "alert": operations.alert_json(alert)}


@router.get("/v1/alerts", tags=["alerts"], responses=_OPERATOR_ANSWERS)
async def open_alerts(runtime: RuntimeDep, _: OperatorDep) -> list[dict[str, Any]]:
    async with database(runtime) as connection:
        return await operations.open_alerts(connection)


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
    body: SilenceRequest, runtime: RuntimeDep, _: OperatorDep
) -> dict[str, str]:
    starts = body.starts_at or runtime.clock()
    if body.ends_at <= starts:
        raise _invalid("ends_at", "ends_at must be in the future when starts_at is not given")
    async with database(runtime) as connection:
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
