"""Silences as operators manage them: create, list, end early; each change audited."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, fields
from datetime import datetime

import asyncpg

from ioc_storage.audit import Actor, AuditAction, AuditRecord, record_audit
from ioc_storage.connection import Connection


class UnknownSubjectError(Exception):
    """A silence names a target, indicator or scope the catalog does not have."""


class SilenceNotFoundError(Exception):
    pass


class SilenceOverError(Exception):
    """The silence has ended already (early, or its window passed)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SilenceRecord:
    id: uuid.UUID
    target: str | None
    indicator: str | None
    scope: str | None
    starts_at: datetime
    ends_at: datetime
    created_by: str
    created_at: datetime | None
    comment: str
    ended_at: datetime | None
    ended_by: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class SilenceSubject:
    target: str | None
    indicator: str | None
    scope: str | None


def _silence(row: asyncpg.Record) -> SilenceRecord:
    return SilenceRecord(**{field.name: row[field.name] for field in fields(SilenceRecord)})


async def _check_subject(connection: Connection, subject: SilenceSubject) -> None:
    """Names what the catalog lacks, so the caller can answer 404 saying which."""
    checks = (
        ("target", subject.target, "SELECT 1 FROM ioc.targets WHERE code = $1"),
        ("indicator", subject.indicator, "SELECT 1 FROM ioc.indicators WHERE code = $1"),
        # A scope is whatever some agency may publish for: silencing any other is a typo.
        ("scope", subject.scope, "SELECT 1 FROM ioc.publish_grants WHERE scope = $1 LIMIT 1"),
    )
    for field, value, query in checks:
        if value is not None and not await connection.fetchval(query, value):
            raise UnknownSubjectError(field, value)


async def create_silence(
    connection: Connection,
    *,
    subject: SilenceSubject,
    starts_at: datetime,
    ends_at: datetime,
    comment: str,
    actor: Actor,
    now: datetime,
) -> SilenceRecord:
    async with connection.transaction():
        await _check_subject(connection, subject)
        try:
            row = await connection.fetchrow(
                "INSERT INTO ioc.silences (id, target, indicator, scope, starts_at, ends_at, "
                "created_by, created_at, comment) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
                "RETURNING id, target, indicator, scope, starts_at, ends_at, created_by, created_at, comment, ended_at, ended_by",
                uuid.uuid4(),
                subject.target,
                subject.indicator,
                subject.scope,
                starts_at,
                ends_at,
                actor.name,
                now,
                comment,
            )
        except asyncpg.ForeignKeyViolationError as error:  # the catalog changed meanwhile
            raise UnknownSubjectError("target", subject.target) from error
        assert row is not None  # INSERT … RETURNING
        silence = _silence(row)
        await record_audit(
            connection,
            AuditRecord(
                actor=actor,
                action=AuditAction.SILENCE_CREATE,
                subject=str(silence.id),
                detail={
                    "target": subject.target,
                    "indicator": subject.indicator,
                    "scope": subject.scope,
                    "starts_at": starts_at.isoformat(),
                    "ends_at": ends_at.isoformat(),
                    "comment": comment,
                },
            ),
        )
    return silence


async def list_silences(
    connection: Connection, *, active_at: datetime | None, ended_by: datetime | None
) -> list[SilenceRecord]:
    """Newest first. `active_at`: only those in force or still to come at that moment;
    `ended_by`: only those over by that moment (ended early or their window passed)."""
    rows = await connection.fetch(
        "SELECT id, target, indicator, scope, starts_at, ends_at, created_by, created_at, comment, ended_at, ended_by FROM ioc.silences "
        "WHERE ($1::timestamptz IS NULL OR (ended_at IS NULL AND ends_at > $1)) "
        "AND ($2::timestamptz IS NULL OR ended_at IS NOT NULL OR ends_at <= $2) "
        "ORDER BY starts_at DESC, id LIMIT 1000",
        active_at,
        ended_by,
    )
    return [_silence(row) for row in rows]


async def end_silence(
    connection: Connection, silence_id: uuid.UUID, *, actor: Actor, now: datetime
) -> SilenceRecord:
    """Ends a silence now; one that has not begun gets an empty window (matches nothing)."""
    async with connection.transaction():
        current = await connection.fetchrow(
            "SELECT id, target, indicator, scope, starts_at, ends_at, created_by, created_at, comment, ended_at, ended_by FROM ioc.silences WHERE id = $1 FOR UPDATE",
            silence_id,
        )
        if current is None:
            raise SilenceNotFoundError(silence_id)
        if current["ended_at"] is not None or current["ends_at"] <= now:
            raise SilenceOverError(silence_id)
        row = await connection.fetchrow(
            "UPDATE ioc.silences SET ends_at = GREATEST(starts_at, $2::timestamptz), "
            "ended_at = $2, ended_by = $3 WHERE id = $1 RETURNING id, target, indicator, scope, starts_at, ends_at, created_by, created_at, comment, ended_at, ended_by",
            silence_id,
            now,
            actor.name,
        )
        await record_audit(
            connection,
            AuditRecord(
                actor=actor,
                action=AuditAction.SILENCE_END,
                subject=str(silence_id),
                detail={"planned_end": current["ends_at"].isoformat()},
            ),
        )
    assert row is not None  # UPDATE … RETURNING of a row it locked
    return _silence(row)
