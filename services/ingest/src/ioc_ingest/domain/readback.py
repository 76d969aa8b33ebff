"""What an agency reads back about its series and its events, and how it is told.

Pure: the adapter fills these from the database, the route turns them into answers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from ioc_contracts.dead_letter import ERROR_CODE_MEANINGS, DeadLetterErrorCode
from ioc_contracts.types import VIETNAM_TIME


@dataclass(frozen=True, slots=True, kw_only=True)
class QualityFlag:
    check: str
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredRevision:
    """One stored revision of a figure; `event_id` is None for another agency's."""

    observed_at: datetime
    revision: int
    of_record: bool
    value: float
    numerator: float | None
    denominator: float | None
    agency: str
    event_id: UUID | None
    reported_at: datetime | None
    received_at: datetime
    revised_at: datetime
    quality_flags: tuple[QualityFlag, ...]
    source: str | None
    note: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class FigureOfRecord:
    """What the figure of record replacing or being this event is."""

    value: float
    agency: str
    revised_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredEvent:
    indicator: str
    scope: str
    observed_at: datetime
    value: float
    numerator: float | None
    denominator: float | None
    reported_at: datetime | None
    received_at: datetime
    revised_at: datetime
    quality_flags: tuple[QualityFlag, ...]
    of_record: bool
    record: FigureOfRecord | None


@dataclass(frozen=True, slots=True, kw_only=True)
class RefusedCopy:
    error_code: str
    reason: str
    refused_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class EventFate:
    """Everything known of one agency's event id: stored or not, and its refusals."""

    stored: StoredEvent | None
    refusals: tuple[RefusedCopy, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Figure:
    """A figure of record with every revision of it, oldest first."""

    observed_at: datetime
    of_record: StoredRevision
    revisions: tuple[StoredRevision, ...]


def figures_of(revisions: Sequence[StoredRevision]) -> list[Figure]:
    """Groups revisions (already ordered figure by figure) into figures; a figure whose
    figure of record is missing (written between two reads) shows its newest revision."""
    grouped: dict[datetime, list[StoredRevision]] = {}
    for revision in revisions:
        grouped.setdefault(revision.observed_at, []).append(revision)
    return [
        Figure(
            observed_at=observed_at,
            of_record=next((r for r in group if r.of_record), group[-1]),
            revisions=tuple(group),
        )
        for observed_at, group in grouped.items()
    ]


def meaning_of(error_code: str) -> tuple[str, str]:
    """What a dead-letter code means, (Vietnamese, English); an unknown code as is."""
    try:
        return ERROR_CODE_MEANINGS[DeadLetterErrorCode(error_code)]
    except ValueError:
        return error_code, error_code


def describe_fate(fate: EventFate) -> tuple[str, str] | None:
    """What became of the event, (Vietnamese, English); None when nothing is known."""
    stored = fate.stored
    if stored is not None:
        when = _shown(stored.received_at)
        if stored.of_record:
            return (
                f"Đã lưu lúc {when} và là số liệu chính thức của kỳ này.",
                f"Stored at {when} and is the figure of record.",
            )
        record = stored.record
        if record is None:
            return (f"Đã lưu lúc {when}.", f"Stored at {when}.")
        return (
            f"Đã lưu lúc {when} nhưng không phải số liệu chính thức: bản sửa đổi mới hơn "
            f"của {record.agency} (giá trị {record.value:g}) đang được dùng.",
            f"Stored at {when} but not the figure of record: a newer revision by "
            f"{record.agency} (value {record.value:g}) is in force.",
        )
    if fate.refusals:
        latest = fate.refusals[0]
        vi, en = meaning_of(latest.error_code)
        when = _shown(latest.refused_at)
        if latest.error_code == DeadLetterErrorCode.EVENT_ID_CONFLICT:
            then_vi, then_en = (
                "Gửi bản sửa đổi với event_id mới",
                "Send a revision with a new event_id",
            )
        else:
            then_vi, then_en = "Sửa và gửi lại", "Fix it and send it again"
        return (
            f"Bị từ chối lúc {when}, không được lưu: {vi}. {then_vi}.",
            f"Refused at {when}, not stored: {en}. {then_en}.",
        )
    return None


def _shown(moment: datetime) -> str:
    return moment.astimezone(VIETNAM_TIME).strftime("%H:%M:%S %d/%m/%Y")
