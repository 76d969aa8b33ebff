"""Answers of the read-back routes: an agency's series and the fate of its events.

Times are given in Asia/Ho_Chi_Minh (+07:00), the time the agency's staff read.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated
from uuid import UUID

from pydantic import AfterValidator, BaseModel, Field

from ioc_contracts.types import VIETNAM_TIME
from ioc_ingest.domain.readback import QualityFlag, StoredEvent, StoredRevision


def _in_vietnam(moment: datetime) -> datetime:
    return moment.astimezone(VIETNAM_TIME)


VietnamTime = Annotated[datetime, AfterValidator(_in_vietnam)]


class QualityFlagOut(BaseModel):
    check: str = Field(description="The data-quality check the figure failed.")
    reason: str = Field(description="Why, in words to act on.")


class RevisionOut(BaseModel):
    revision: int = Field(description="1 for the first revision stored, then 2, 3, …")
    of_record: bool = Field(description="Whether this revision is the figure of record.")
    value: float
    numerator: float | None = None
    denominator: float | None = None
    agency: str = Field(description="The agency that sent this revision.")
    event_id: UUID | None = Field(
        default=None, description="The event's id; shown only for the calling agency's own."
    )
    reported_at: VietnamTime | None = Field(
        default=None, description="When the sender says it reported the figure."
    )
    received_at: VietnamTime = Field(description="When the IOC stored this revision.")
    revised_at: VietnamTime = Field(description="Its place in the revision order.")
    quality_flags: list[QualityFlagOut] = Field(default_factory=list)
    source: str | None = None
    note: str | None = None


class FigureOut(BaseModel):
    observed_at: VietnamTime = Field(description="When the figure was true.")
    value: float = Field(description="The figure of record's value.")
    agency: str = Field(description="Who sent the figure of record.")
    revisions: list[RevisionOut] = Field(description="Every revision, oldest first.")


class SeriesReadBack(BaseModel):
    indicator: str
    scope: str
    figures: list[FigureOut] = Field(description="Figures of record, newest first.")
    truncated: bool = Field(
        description="More figures lie in the period than `limit`: ask again with an earlier `to`."
    )


class EventStatus(StrEnum):
    STORED = "stored"
    REFUSED = "refused"


class StoredOut(BaseModel):
    indicator: str
    scope: str
    observed_at: VietnamTime
    value: float
    numerator: float | None = None
    denominator: float | None = None
    reported_at: VietnamTime | None = None
    received_at: VietnamTime
    quality_flags: list[QualityFlagOut] = Field(default_factory=list)
    of_record: bool = Field(description="Whether this event is the figure of record.")
    record_value: float | None = Field(
        default=None, description="The figure of record's value (this one's or a newer one's)."
    )
    record_agency: str | None = Field(default=None, description="Who sent the figure of record.")
    record_revised_at: VietnamTime | None = None


class RefusalOut(BaseModel):
    error_code: str = Field(examples=["event_id_conflict"])
    meaning: str = Field(description="What the code means, in Vietnamese.")
    meaning_en: str = Field(description="The same in English.")
    reason: str = Field(description="The reason the pipeline gave, naming the field.")
    refused_at: VietnamTime


class EventReadBack(BaseModel):
    event_id: UUID
    status: EventStatus = Field(
        description="stored: in the ledger (see `stored`); refused: dead-lettered, never "
        "stored (see `refusals`)."
    )
    message: str = Field(description="What became of the event, in Vietnamese.")
    message_en: str = Field(description="The same in English.")
    stored: StoredOut | None = None
    refusals: list[RefusalOut] = Field(
        default_factory=list,
        description="The latest refused copies of this id, newest first (a stored event "
        "may have later copies refused, e.g. one with other content).",
    )


# From the read-back's domain records to the answers' models.


def _flags_out(flags: tuple[QualityFlag, ...]) -> list[QualityFlagOut]:
    return [QualityFlagOut(check=flag.check, reason=flag.reason) for flag in flags]


def revision_out(revision: StoredRevision) -> RevisionOut:
    return RevisionOut(
        revision=revision.revision,
        of_record=revision.of_record,
        value=revision.value,
        numerator=revision.numerator,
        denominator=revision.denominator,
        agency=revision.agency,
        event_id=revision.event_id,
        reported_at=revision.reported_at,
        received_at=revision.received_at,
        revised_at=revision.revised_at,
        quality_flags=_flags_out(revision.quality_flags),
        source=revision.source,
        note=revision.note,
    )


def stored_out(stored: StoredEvent) -> StoredOut:
    record = stored.record
    return StoredOut(
        indicator=stored.indicator,
        scope=stored.scope,
        observed_at=stored.observed_at,
        value=stored.value,
        numerator=stored.numerator,
        denominator=stored.denominator,
        reported_at=stored.reported_at,
        received_at=stored.received_at,
        quality_flags=_flags_out(stored.quality_flags),
        of_record=stored.of_record,
        record_value=record.value if record else None,
        record_agency=record.agency if record else None,
        record_revised_at=record.revised_at if record else None,
    )
