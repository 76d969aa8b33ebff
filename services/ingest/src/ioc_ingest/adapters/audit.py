"""The audit trail: one `ioc.audit_log` row per API request, written as ioc_ingest."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import asyncpg

from ioc_storage.connection import Connection
from ioc_storage.text import storable_document, storable_text


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditEntry:
    """Who sent what and how it was answered; `agency` is None when nobody authenticated."""

    agency: str | None
    credential: UUID | None
    action: str
    accepted: int
    rejected: int
    status_code: int
    remote_addr: str | None
    detail: dict[str, Any] = field(default_factory=dict)


class AuditLog:
    def __init__(self, pool: asyncpg.Pool, *, timeout_seconds: float) -> None:
        self._pool = pool
        self._timeout = timeout_seconds

    async def write(self, entry: AuditEntry) -> None:
        # Bounded wait for a connection too: a flood must not queue up behind the pool.
        async with self._pool.acquire(timeout=self._timeout) as connection:
            await self._write(connection, entry)

    async def prune(self, *, keep_days: int, batch: int = 10_000) -> int:
        """Removes rows older than `keep_days` (30 at least, the database insists)."""
        removed = 0
        while True:
            async with self._pool.acquire(timeout=self._timeout) as connection:
                gone: int = await connection.fetchval(
                    "SELECT ioc.prune_audit_log(make_interval(days => $1), $2)",
                    keep_days,
                    batch,
                    timeout=self._timeout * 6,
                )
            removed += gone
            if gone < batch:
                return removed

    async def _write(self, connection: Connection, entry: AuditEntry) -> None:
        # The detail quotes the request (its path, user agent, the problems with the
        # names the sender wrote): a character no stored text can hold would lose the row.
        remote_addr = entry.remote_addr
        await connection.execute(
            "INSERT INTO ioc.audit_log (agency, credential, action, accepted, rejected, "
            "status_code, remote_addr, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb)",
            entry.agency,
            entry.credential,
            entry.action,
            entry.accepted,
            entry.rejected,
            entry.status_code,
            None if remote_addr is None else storable_text(remote_addr),
            json.dumps(storable_document(entry.detail), ensure_ascii=False, default=str),
            timeout=self._timeout,
        )
