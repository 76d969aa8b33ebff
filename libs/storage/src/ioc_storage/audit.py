"""The audit trail's one writer: who did what to which thing, in `ioc.audit_log`.

Every change an operator, a leader or an administrator makes goes through
`record_audit`, in the same transaction as the change, so a change without its record
(or a record of a change that rolled back) cannot happen. Ingest's per-request rows are
written by ingest itself (they carry the request's counts) and name the agency.
"""

from __future__ import annotations

import getpass
import json
import os
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from ioc_storage.connection import Connection


class ActorKind(StrEnum):
    AGENCY = "agency"
    OPERATOR = "operator"
    BOOTSTRAP = "bootstrap"
    """The development-only shared token (IOC_API_TOKEN): no person behind it."""
    RECIPIENT = "recipient"
    """A leader acknowledging through the link in a message."""
    CLI = "cli"
    """The system user who ran `ioc-db`."""


class AuditAction(StrEnum):
    ALERT_ACKNOWLEDGE = "alert.acknowledge"
    SILENCE_CREATE = "silence.create"
    SILENCE_END = "silence.end"
    API_KEY_CREATE = "api_key.create"
    API_KEY_REVOKE = "api_key.revoke"
    OPERATOR_CREATE = "operator.create"
    OPERATOR_ROLE = "operator.role"
    OPERATOR_DISABLE = "operator.disable"
    OPERATOR_TOKEN_CREATE = "operator_token.create"  # noqa: S105 (an action, not a secret)
    OPERATOR_TOKEN_REVOKE = "operator_token.revoke"  # noqa: S105
    CATALOG_LOAD = "catalog.load"
    FIGURE_REVISE = "figure.revise"
    """Not written: the trail's view reads corrections from the ledger."""


@dataclass(frozen=True, slots=True)
class Actor:
    name: str
    kind: ActorKind


def cli_actor() -> Actor:
    """Who runs `ioc-db`: the person behind sudo when there is one, else the login."""
    return Actor(os.environ.get("SUDO_USER") or getpass.getuser(), ActorKind.CLI)


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditRecord:
    actor: Actor
    action: AuditAction
    subject: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    remote_addr: str | None = None


async def record_audit(connection: Connection, record: AuditRecord) -> None:
    """Appends one row; call it inside the transaction that makes the change."""
    await connection.execute(
        "INSERT INTO ioc.audit_log (actor, actor_kind, action, subject, remote_addr, detail) "
        "VALUES ($1, $2, $3, $4, $5, $6::jsonb)",
        record.actor.name,
        record.actor.kind.value,
        record.action.value,
        record.subject,
        record.remote_addr,
        json.dumps(record.detail, ensure_ascii=False, default=str),
    )
