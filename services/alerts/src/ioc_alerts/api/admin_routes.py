"""What the operators' API tells about itself: the caller's account, every account
(admin), and the audit trail (admin)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from ioc_alerts.adapters import audit
from ioc_alerts.api.auth import Admin, Viewer
from ioc_alerts.api.dependencies import ClockDep, DatabaseDep, MetricsDep
from ioc_alerts.api.models import (
    OPERATOR_ANSWERS,
    AuditEntryView,
    AuditPage,
    AuditQuery,
    OperatorView,
)
from ioc_alerts.api.strict_query import plain_query
from ioc_storage.operators import list_operators

router = APIRouter(dependencies=[Depends(plain_query)])


@router.get("/v1/me", tags=["operators"], responses=OPERATOR_ANSWERS)
async def who_am_i(principal: Viewer) -> OperatorView:
    """The account the token belongs to, and its role."""
    return OperatorView(
        name=principal.name, display_name=principal.display_name, role=principal.role
    )


@router.get("/v1/operators", tags=["operators"], responses=OPERATOR_ANSWERS)
async def operator_accounts(
    database: DatabaseDep, clock: ClockDep, metrics: MetricsDep, _: Admin
) -> list[OperatorView]:
    """Every account, disabled ones too (accounts are managed with `ioc-db operator`)."""
    async with database.connection() as connection:
        accounts = await list_operators(connection)
    return [OperatorView.model_validate(account) for account in accounts]


@router.get("/v1/audit", tags=["audit"], responses=OPERATOR_ANSWERS)
async def audit_trail(
    database: DatabaseDep,
    clock: ClockDep,
    metrics: MetricsDep,
    _: Admin,
    query: Annotated[AuditQuery, Query()],
) -> AuditPage:
    """Who did what, newest first: acknowledgements, silences, credential changes,
    catalog loads, ingest requests and figure corrections."""
    where = audit.AuditFilter(
        actor=query.actor, action=query.action, since=query.since, until=query.until
    )
    async with database.connection() as connection:
        # One more than asked: tells whether there is a next page without counting.
        entries = await audit.read_trail(
            connection, where, limit=query.limit + 1, offset=query.offset
        )
    more = len(entries) > query.limit
    return AuditPage(
        entries=[AuditEntryView.model_validate(entry) for entry in entries[: query.limit]],
        next_offset=query.offset + query.limit if more else None,
    )
