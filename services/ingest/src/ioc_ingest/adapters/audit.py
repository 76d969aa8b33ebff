"""The audit trail: one `ioc.audit_log` row per API request, written as ioc_ingest.

The rows of the requests answered at the same moment are written by one statement
(`ioc_runtime.coalescing`); each request still waits for its own row before its answer
leaves. A row the database refuses is written again on its own, so it cannot take the
others of its statement down with it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import asyncpg

from ioc_runtime.coalescing import Coalescer
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


_INSERT = """
INSERT INTO ioc.audit_log (agency, credential, action, accepted, rejected, status_code,
                           remote_addr, detail)
SELECT * FROM unnest($1::text[], $2::uuid[], $3::text[], $4::integer[], $5::integer[],
                     $6::integer[], $7::text[], $8::jsonb[])
"""


class AuditLog:
    def __init__(self, pool: asyncpg.Pool, *, timeout_seconds: float) -> None:
        self._pool = pool
        self._timeout = timeout_seconds
        self._rows: Coalescer[AuditEntry, None] = Coalescer(self._write_all)

    async def write(self, entry: AuditEntry) -> None:
        """Returns once the row is written; raises what kept it from being written."""
        await self._rows(entry)

    async def _write_all(self, entries: Sequence[AuditEntry]) -> list[BaseException | None]:
        # Bounded wait for a connection too: a flood must not queue up behind the pool.
        async with self._pool.acquire(timeout=self._timeout) as connection:
            try:
                await self._insert(connection, entries)
                return [None] * len(entries)
            except (asyncpg.DataError, asyncpg.IntegrityConstraintViolationError):
                if len(entries) == 1:
                    raise
            # One row refused: each on its own, so only that one is lost.
            written: list[BaseException | None] = []
            for entry in entries:
                try:
                    await self._insert(connection, [entry])
                    written.append(None)
                except (asyncpg.DataError, asyncpg.IntegrityConstraintViolationError) as error:
                    written.append(error)
            return written

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

    async def _insert(self, connection: Connection, entries: Sequence[AuditEntry]) -> None:
        # The detail quotes the request (its path, user agent, the problems with the
        # names the sender wrote): a character no stored text can hold would lose the row.
        await connection.execute(
            _INSERT,
            [e.agency for e in entries],
            [e.credential for e in entries],
            [e.action for e in entries],
            [e.accepted for e in entries],
            [e.rejected for e in entries],
            [e.status_code for e in entries],
            [None if e.remote_addr is None else storable_text(e.remote_addr) for e in entries],
            [
                json.dumps(storable_document(e.detail), ensure_ascii=False, default=str)
                for e in entries
            ],
            timeout=self._timeout,
        )
