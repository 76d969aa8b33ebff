"""What the operators' API reads and answers: pydantic models, so the OpenAPI document
describes every body and clients can be generated from it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from ioc_contracts.types import STORABLE
from ioc_runtime.written_time import WrittenTime
from ioc_storage.operators import Role


class Problem(BaseModel):
    detail: str = Field(description="What went wrong, and what to do about it.")


class AlertView(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    target: str = Field(description="Target code from the catalog", examples=["dvc.paperless-100"])
    state: Literal["firing", "acknowledged", "resolved"]
    risk_status: str = Field(examples=["off_track"])
    severity: Literal["info", "warning", "critical"]
    escalation_level: int = Field(ge=0)
    current_value: float | None
    opened_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None = Field(description="Display name of who acknowledged")
    resolved_at: datetime | None
    last_notified_at: datetime | None
    updated_at: datetime


# Text from an operator's request, stored as written: any character but U+0000 (a 422,
# never a database error), the length checked first.
_Comment = Annotated[str, StringConstraints(min_length=1, max_length=1000), STORABLE]
_Name = Annotated[str, StringConstraints(min_length=1, max_length=200), STORABLE]
_Action = Annotated[str, StringConstraints(min_length=1, max_length=100), STORABLE]


class AcknowledgeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    comment: _Comment | None = Field(default=None, description="Kept in the audit log")


class AcknowledgementResult(BaseModel):
    changed: bool = Field(description="True when this request acknowledged the alert")
    alert: AlertView


class SilenceState(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    ENDED = "ended"


class SilenceRequest(BaseModel):
    """Who silences is the authenticated account, never a field of the body."""

    model_config = ConfigDict(extra="forbid")
    target: _Name | None = None
    indicator: _Name | None = None
    scope: _Name | None = None
    starts_at: WrittenTime | None = Field(
        default=None, description="With a UTC offset; now if absent"
    )
    ends_at: WrittenTime = Field(description="With a UTC offset, e.g. 2023-08-01T00:00:00+07:00")
    comment: _Comment = Field(description="Why, for the others")

    @model_validator(mode="after")
    def _a_real_window(self) -> SilenceRequest:
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


class SilenceQuery(BaseModel):
    """Unknown parameters are refused (422), not ignored: a typo is not a filter."""

    model_config = ConfigDict(extra="forbid")
    state: SilenceState | None = Field(
        default=None, description="Only these: pending or active (still to hold), or ended"
    )


class AuditQuery(BaseModel):
    """Filters of the audit trail; unknown parameters are refused (422)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    actor: _Name | None = Field(default=None, examples=["an.nguyen"])
    action: _Action | None = Field(default=None, examples=["silence.create"])
    since: WrittenTime | None = Field(
        default=None, alias="from", description="At or after this, with a UTC offset"
    )
    until: WrittenTime | None = Field(
        default=None, alias="to", description="Before this, with a UTC offset"
    )
    limit: int = Field(default=100, ge=1, le=500)
    offset: int = Field(default=0, ge=0, le=1_000_000)

    @model_validator(mode="after")
    def _times_with_offsets(self) -> AuditQuery:
        for moment in (self.since, self.until):
            if moment is None:
                continue
            # Without an offset it would be read in the server's zone: refused instead.
            if moment.tzinfo is None:
                raise ValueError("times need a UTC offset, e.g. 2023-08-01T00:00:00+07:00")
            try:
                moment.astimezone(UTC)
            except OverflowError as error:
                raise ValueError("a time outside the calendar") from error
        return self


class SilenceView(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    target: str | None
    indicator: str | None
    scope: str | None
    starts_at: datetime
    ends_at: datetime = Field(description="When it ended or will end (earlier when ended early)")
    state: SilenceState
    created_by: str = Field(description="The operator account that created it")
    created_at: datetime | None = Field(description="None for silences older than accounts")
    comment: str
    ended_at: datetime | None = Field(description="When it was ended early, if it was")
    ended_by: str | None = Field(description="The operator account that ended it early")


class AuditEntryView(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    at: datetime
    action: str = Field(examples=["alert.acknowledge", "silence.create", "figure.revise"])
    actor: str | None = Field(
        description="Operator account, leader (recipient id), agency code, or the system "
        "user who ran ioc-db"
    )
    actor_kind: str | None = Field(examples=["operator", "recipient", "agency", "cli", "bootstrap"])
    subject: str | None = Field(description="What was acted upon: alert id, silence id, …")
    status_code: int | None
    remote_addr: str | None
    detail: dict[str, Any]


class AuditPage(BaseModel):
    entries: list[AuditEntryView]
    next_offset: int | None = Field(
        description="Pass as `offset` for the next page; None at the end"
    )


class OperatorView(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    name: str
    display_name: str
    role: Role
    created_at: datetime | None = None
    disabled_at: datetime | None = None


# What any operator route may answer besides its own result (documented, so clients and
# the schema checks know them).
OPERATOR_ANSWERS: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem, "description": "The body is not JSON."},
    401: {"model": Problem, "description": "No valid operator token."},
    403: {"model": Problem, "description": "The account's role does not allow this."},
    429: {"model": Problem, "description": "Too many failed attempts from this address."},
    503: {"model": Problem, "description": "The database is busy or unavailable."},
}


def operator_answers(**problems: str) -> dict[int | str, dict[str, Any]]:
    """OPERATOR_ANSWERS and the problems a route may answer besides, by status code
    (`not_found=`, `conflict=`), with what each means there."""
    codes = {"not_found": 404, "conflict": 409}
    answers = dict(OPERATOR_ANSWERS)
    for name, text in problems.items():
        answers[codes[name]] = {"model": Problem, "description": text}
    return answers
