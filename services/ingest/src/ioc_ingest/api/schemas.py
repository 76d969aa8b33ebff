"""Answers of the API besides errors (see `errors.py` for those)."""

from __future__ import annotations

from enum import StrEnum
from uuid import UUID

from pydantic import BaseModel, Field

from ioc_ingest.api.errors import ErrorBody


class AcceptedEvents(BaseModel):
    accepted: int = Field(description="How many events Kafka acknowledged.", examples=[1])
    event_ids: list[UUID] = Field(
        description="event_id of every accepted event, in request order.",
        examples=[["6f1c2d0e-8a4b-4c1e-9d7a-2b5f0e3c9a11"]],
    )


class RowStatus(StrEnum):
    ACCEPTED = "accepted"
    VALID = "valid"
    REJECTED = "rejected"


class RowError(BaseModel):
    field: str | None = Field(default=None, description="Column at fault, if one is.")
    reason: str = Field(description="What is wrong with the row.")


class ReportRowResult(BaseModel):
    sheet: str | None = Field(
        default=None,
        description="Excel reports only: the worksheet the row is on.",
        exclude_if=lambda sheet: sheet is None,
    )
    row: int = Field(
        description="Row number as a spreadsheet shows it (a CSV report's header is row 1)."
    )
    status: RowStatus = Field(
        description="accepted: on Kafka. valid: correct, but not published because other "
        "rows were refused (all or nothing). rejected: see errors."
    )
    event_id: UUID | None = Field(default=None, description="The row's (possibly derived) id.")
    indicator: str | None = Field(default=None, description="The row's indicator cell.")
    scope: str | None = Field(default=None, description="The row's scope cell.")
    errors: list[RowError] = Field(default_factory=list, description="Problems of this row.")


class ReportAccepted(BaseModel):
    accepted: int = Field(description="Rows published (every data row).")
    rows: list[ReportRowResult] = Field(description="One entry per data row, in file order.")


class ReportRefused(ErrorBody):
    rows: list[ReportRowResult] = Field(
        default_factory=list, description="One entry per data row; nothing was published."
    )
