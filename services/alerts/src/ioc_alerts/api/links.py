"""Acknowledgement links for leaders: a page with a button, and the button's POST."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from ioc_alerts.adapters import operations, operator_alerts
from ioc_alerts.adapters.operations import AlertRecord
from ioc_alerts.api.dependencies import (
    AckSecretDep,
    CatalogDep,
    ClockDep,
    DatabaseDep,
    FailuresDep,
    MetricsDep,
)
from ioc_alerts.api.guard import client_address, count_failure, refuse_if_failing
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
from ioc_contracts.status import AlertState
from ioc_runtime.query_parameters import query_problems
from ioc_storage.audit import Actor, ActorKind

router = APIRouter()
# The parameters of a link that its signature covers or carries.
_SIGNED = frozenset({"r", "t", "e"})

# The form is one field; anything much larger is not our page's.
_MAX_FORM_BYTES = 1024


def _html(page: str, status_code: int = 200) -> HTMLResponse:
    return HTMLResponse(page, status_code=status_code, headers=PAGE_HEADERS)


@dataclass(frozen=True, slots=True)
class AckLink:
    """A leader's link as the request carries it, checked: `refusal` is the page to
    answer with when it may not be used."""

    alert_id: uuid.UUID
    recipient: str
    expires_at: datetime | None  # known on a valid link
    refusal: HTMLResponse | None = None


async def _checked_link(
    failures: FailuresDep,
    secret: AckSecretDep,
    clock: ClockDep,
    request: Request,
    alert_id: uuid.UUID,
    r: str = Query(),
    t: str = Query(),
    e: str | None = Query(default=None),
) -> AckLink:
    refuse_if_failing(failures, request)
    # r, t or e given twice would be read as its last value while a mail gateway or the
    # access log shows the first: not the link that was signed. Other names are left
    # alone, even repeated: mail gateways append tracking parameters to the links they
    # rewrite, and none of them is read.
    repeated = {p.name for p in query_problems(request, unknown_refused=False)}
    if repeated & _SIGNED:
        count_failure(failures, request)
        return AckLink(alert_id, r, None, _html(invalid_link_page(), 403))
    check = check_ack_link(secret, alert_id, r, e, t, now=clock())
    if check is LinkCheck.VALID:
        assert e is not None  # a valid link has its expiry
        return AckLink(alert_id, r, datetime.fromtimestamp(int(e), UTC))
    if check is LinkCheck.EXPIRED:
        return AckLink(alert_id, r, None, _html(expired_link_page(), 410))
    count_failure(failures, request)
    return AckLink(alert_id, r, None, _html(invalid_link_page(), 403))


AckLinkDep = Annotated[AckLink, Depends(_checked_link)]


def _settled_page(alert: AlertRecord, title: str, *, now_acknowledged: bool) -> HTMLResponse | None:
    """The page of an alert already resolved or acknowledged; None while it is open."""
    if alert.state is AlertState.RESOLVED:
        assert alert.resolved_at is not None
        return _html(resolved_page(title_vi=title, at=alert.resolved_at))
    if alert.state is AlertState.ACKNOWLEDGED:
        assert alert.acknowledged_at is not None  # the table's CHECK
        return _html(
            acknowledged_page(
                title_vi=title,
                by=alert.acknowledged_by or "",
                at=alert.acknowledged_at,
                now_acknowledged=now_acknowledged,
            )
        )
    return None


@router.get("/ack/{alert_id}", response_class=HTMLResponse, include_in_schema=False)
async def open_ack_link(
    link: AckLinkDep, database: DatabaseDep, catalog: CatalogDep, secret: AckSecretDep
) -> HTMLResponse:
    """Shows the alert and a button; opening the link changes nothing."""
    if link.refusal is not None:
        return link.refusal
    assert link.expires_at is not None  # a valid link has its expiry
    async with database.connection() as connection:
        alert = await operations.find_alert(connection, link.alert_id)
        if alert is None:
            return _html(invalid_link_page(), 404)
        title = await operations.target_title(connection, alert.target)
    settled = _settled_page(alert, title, now_acknowledged=False)
    if settled is not None:
        return settled
    person = (await catalog()).recipients.get(link.recipient)
    query = ack_query(secret, link.alert_id, link.recipient, link.expires_at)
    return _html(
        confirm_page(
            title_vi=title,
            recipient_name=person.name if person else link.recipient,
            action=f"{link.alert_id}?{query}",
            expires_at=link.expires_at,
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
    link: AckLinkDep,
    request: Request,
    database: DatabaseDep,
    catalog: CatalogDep,
    secret: AckSecretDep,
    clock: ClockDep,
    metrics: MetricsDep,
) -> HTMLResponse:
    """Acknowledges, when a person pressed the page's button."""
    if link.refusal is not None:
        return link.refusal
    if not await _pressed_the_button(request):
        # A scanner replaying the link as a POST: show the page a person would see.
        return await open_ack_link(link, database, catalog, secret)
    person = (await catalog()).recipients.get(link.recipient)
    by = f"{person.name} ({person.role_vi})" if person else link.recipient
    async with database.connection() as connection:
        result = await operator_alerts.acknowledge(
            connection,
            link.alert_id,
            by=by,
            actor=Actor(link.recipient, ActorKind.RECIPIENT),
            now=clock(),
            detail={"via": "link"},
            remote_addr=client_address(request),
        )
        changed, alert = result.changed, result.alert
        if alert is None:
            return _html(invalid_link_page(), 404)
        title = await operations.target_title(connection, alert.target)
    if changed:
        metrics.acknowledgements.labels("link").inc()
    settled = _settled_page(alert, title, now_acknowledged=changed)
    assert settled is not None  # acknowledged now, or before, or resolved meanwhile
    return settled
