"""Reading the audit trail (`ioc.audit_trail`: the audit log and figure corrections)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ioc_storage.connection import Connection


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditFilter:
    actor: str | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditTrailEntry:
    at: datetime
    action: str
    actor: str | None
    actor_kind: str | None
    subject: str | None
    status_code: int | None
    remote_addr: str | None
    detail: dict[str, Any]


async def read_trail(
    connection: Connection, where: AuditFilter, *, limit: int, offset: int
) -> list[AuditTrailEntry]:
    """Newest first. The corrections' branch of the view has its action as a constant,
    so filtering by another action lets the planner skip the ledger."""
    rows = await connection.fetch(
        "SELECT at, action, actor, actor_kind, subject, status_code, remote_addr, detail "
        "FROM ioc.audit_trail "
        "WHERE ($1::text IS NULL OR actor = $1) AND ($2::text IS NULL OR action = $2) "
        "AND ($3::timestamptz IS NULL OR at >= $3) AND ($4::timestamptz IS NULL OR at < $4) "
        "ORDER BY at DESC, log_id DESC NULLS LAST, subject LIMIT $5 OFFSET $6",
        where.actor,
        where.action,
        where.since,
        where.until,
        limit,
        offset,
    )
    return [
        AuditTrailEntry(
            at=row["at"],
            action=row["action"],
            actor=row["actor"],
            actor_kind=row["actor_kind"],
            subject=row["subject"],
            status_code=row["status_code"],
            remote_addr=row["remote_addr"],
            detail=json.loads(row["detail"]),
        )
        for row in rows
    ]
