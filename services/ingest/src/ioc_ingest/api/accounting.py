"""Every API request is audited and counted, whatever its answer (401 and 503 too).

A pure ASGI middleware wraps the /v1 routes: handlers and dependencies fill in a
`RequestRecord` as they learn who called and what came of it, and when the response
starts the record becomes one `ioc.audit_log` row and the request/event counters move.
The row is written before the response leaves, so an agency that got an answer can be
sure the audit trail has it; a failed audit write is logged and does not change the
answer (the events may already be on Kafka).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from uuid import UUID

import asyncpg
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ioc_ingest.adapters.audit import AuditEntry

if TYPE_CHECKING:
    from ioc_ingest.services import IngestServices

_log = logging.getLogger(__name__)

API_PREFIX = "/v1/"
_STATE_KEY = "ioc_request_record"
_ACTIONS = {
    "/v1/events": "events.publish",
    "/v1/reports/csv": "reports.csv",
    "/v1/reports/xlsx": "reports.xlsx",
    "/v1/reports/template.xlsx": "reports.template",
}
_AUDITED_ERRORS = 10
_AUDITED_EVENT_IDS = 50
_MAX_TEXT = 200


@dataclass(slots=True)
class RequestRecord:
    """What the audit trail and the metrics say about one request."""

    action: str
    path: str
    remote_addr: str | None
    user_agent: str | None
    agency: str | None = None
    credential: UUID | None = None
    key_prefix: str | None = None
    accepted: int = 0
    rejected: int = 0
    answer: str | None = None
    errors: list[dict[str, Any]] = field(default_factory=list)
    event_ids: list[str] = field(default_factory=list)
    audited: bool = True
    """False for requests refused before anyone was identified (a flood): counted only."""

    def note_problem(self, answer: str, errors: list[dict[str, Any]]) -> None:
        self.answer = answer
        self.errors = errors[:_AUDITED_ERRORS]

    def audit_entry(self, status_code: int) -> AuditEntry:
        detail: dict[str, Any] = {"path": self.path[:_MAX_TEXT]}
        optional = {
            "key_prefix": self.key_prefix,
            "user_agent": self.user_agent,
            "answer": self.answer,
            "errors": self.errors,
            "event_ids": self.event_ids[:_AUDITED_EVENT_IDS],
        }
        detail.update({key: value for key, value in optional.items() if value})
        return AuditEntry(
            agency=self.agency,
            credential=self.credential,
            action=self.action,
            accepted=self.accepted,
            rejected=self.rejected,
            status_code=status_code,
            remote_addr=self.remote_addr,
            detail=detail,
        )


def request_record(request: Request) -> RequestRecord | None:
    """The record of an API request (None outside /v1, e.g. for /readyz)."""
    record = request.scope.get("state", {}).get(_STATE_KEY)
    return record if isinstance(record, RequestRecord) else None


class RequestAccounting:
    def __init__(self, app: ASGIApp, services: Callable[[], IngestServices | None]) -> None:
        self._app = app
        self._services = services

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope["path"]).startswith(API_PREFIX):
            await self._app(scope, receive, send)
            return
        record = _new_record(scope)
        scope.setdefault("state", {})[_STATE_KEY] = record
        started = False

        async def send_after_recording(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start" and not started:
                started = True
                await self._record(record, int(message["status"]))
            await send(message)

        try:
            await self._app(scope, receive, send_after_recording)
        except Exception:
            # Unhandled: Starlette answers 500 outside this middleware; count it here.
            if not started:
                await self._record(record, 500)
            raise

    async def _record(self, record: RequestRecord, status_code: int) -> None:
        services = self._services()
        if services is None:
            return
        services.metrics.count_request(status=status_code, agency=record.agency)
        services.metrics.count_events(
            accepted=record.accepted, rejected=record.rejected, agency=record.agency
        )
        if not record.audited:
            return
        try:
            await services.audit.write(record.audit_entry(status_code))
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
            _log.error(
                "could not write the audit record: %s",
                error,
                extra={"agency": record.agency, "status_code": status_code, "path": record.path},
            )


def _new_record(scope: Scope) -> RequestRecord:
    path = str(scope["path"])
    client = scope.get("client")
    user_agent = next(
        (
            value.decode("latin-1")
            for name, value in scope.get("headers", [])
            if name == b"user-agent"
        ),
        None,
    )
    return RequestRecord(
        action=_ACTIONS.get(path, "unknown"),
        path=path,
        remote_addr=client[0] if client else None,
        user_agent=user_agent[:_MAX_TEXT] if user_agent else None,
    )
