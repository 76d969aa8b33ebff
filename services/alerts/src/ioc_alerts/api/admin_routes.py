"""What the operators' API tells about itself: the caller's account, every account
(admin), and the audit trail (admin)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.exceptions import RequestValidationError

from ioc_alerts.adapters import audit
from ioc_alerts.api.auth import Admin, Viewer
from ioc_alerts.api.guard import database
from ioc_alerts.api.models import OPERATOR_ANSWERS, AuditEntryView, AuditPage, OperatorView
from ioc_alerts.api.routes import RuntimeDep
from ioc_storage.operators import list_operators

router = APIRouter()


def _check_moment(name: str, moment: datetime | None) -> None:
    """A time without an offset would be read in the server's zone: refused instead."""
    if moment is None:
        return
    reason = None
    if moment.tzinfo is None:
        reason = "times need a UTC offset, e.g. 2023-08-01T00:00:00+07:00"
    else:
        try:
            moment.astimezone(UTC)
        except OverflowError:
            reason = "a time outside the calendar"
    if reason is not None:
        raise RequestValidationError(
            [{"type": "value_error", "loc": ("query", name), "msg": reason, "input": None}]
        )


@router.get("/v1/me", tags=["operators"], responses=OPERATOR_ANSWERS)
async def who_am_i(principal: Viewer) -> OperatorView:
    """The account the token belongs to, and its role."""
    return OperatorView(
        name=principal.name, display_name=principal.display_name, role=principal.role
    )


@router.get("/v1/operators", tags=["operators"], responses=OPERATOR_ANSWERS)
async def operator_accounts(runtime: RuntimeDep, _: Admin) -> list[OperatorView]:
    """Every account, disabled ones too (accounts are managed with `ioc-db operator`)."""
    async with database(runtime) as connection:
        accounts = await list_operators(connection)
    return [OperatorView.model_validate(account) for account in accounts]


@router.get("/v1/audit", tags=["audit"], responses=OPERATOR_ANSWERS)
async def audit_trail(
    runtime: RuntimeDep,
    _: Admin,
    actor: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    action: Annotated[
        str | None, Query(min_length=1, max_length=100, examples=["silence.create"])
    ] = None,
    since: Annotated[datetime | None, Query(alias="from", description="With a UTC offset")] = None,
    until: Annotated[datetime | None, Query(alias="to", description="Excluded")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> AuditPage:
    """Who did what, newest first: acknowledgements, silences, credential changes,
    catalog loads, ingest requests and figure corrections."""
    for name, moment in (("from", since), ("to", until)):
        _check_moment(name, moment)
    where = audit.AuditFilter(actor=actor, action=action, since=since, until=until)
    async with database(runtime) as connection:
        # One more than asked: tells whether there is a next page without counting.
        entries = await audit.read_trail(connection, where, limit=limit + 1, offset=offset)
    more = len(entries) > limit
    return AuditPage(
        entries=[AuditEntryView.model_validate(entry) for entry in entries[:limit]],
        next_offset=offset + limit if more else None,
    )
