"""Agencies read back what they sent: GET /v1/series/{indicator}/{scope} (a series the
catalog grants the caller: figures of record with every revision) and GET
/v1/events/{event_id} (the caller's own event: stored, or refused and why).

Another agency's series or event id answers exactly as an unknown one does (404), so
read-back tells nobody what others sent or which ids they use.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

import asyncpg
from fastapi import APIRouter, Depends, Path, Query, Request

from ioc_catalog.wording import bilingual
from ioc_ingest.adapters.readback import event_fate, series_revisions
from ioc_ingest.api.accounting import request_record
from ioc_ingest.api.dependencies import AuthenticatedAgency, Services
from ioc_ingest.api.errors import (
    CATALOG_NOT_READ,
    DATABASE_UNAVAILABLE,
    ApiError,
    ErrorBody,
    retry_later,
)
from ioc_ingest.api.query import plain_query
from ioc_ingest.api.readback_schemas import (
    EventReadBack,
    EventStatus,
    FigureOut,
    RefusalOut,
    SeriesReadBack,
    revision_out,
    stored_out,
)
from ioc_ingest.domain.readback import (
    describe_fate,
    figures_of,
    meaning_of,
)
from ioc_ingest.services import IngestServices
from ioc_runtime.written_time import WrittenTime
from ioc_storage.connection import Connection

router = APIRouter(prefix="/v1", tags=["read back"], dependencies=[Depends(plain_query)])
_log = logging.getLogger(__name__)

_TIMEOUT_SECONDS = 5.0
_MAX_FIGURES = 1_000
_REFUSALS_SHOWN = 20
_EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
_LATEST = datetime(9999, 1, 1, tzinfo=UTC)

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "No API key, or one that is unknown or revoked."},
    404: {
        "model": ErrorBody,
        "description": "Not this agency's: a series the catalog does not grant it, or an "
        "event id it never sent (or that has not been processed yet).",
    },
    422: {
        "model": ErrorBody,
        "description": "A query parameter given twice, one this path does not take, or one "
        "not of its type; each named.",
    },
    429: {"model": ErrorBody, "description": "Rate limit of the agency; see Retry-After."},
    503: {"model": ErrorBody, "description": "The database is unavailable; try again later."},
}


@router.get(
    "/series/{indicator}/{scope}",
    summary="Read back a series: figures of record with every revision",
    description="Only a series the catalog grants the calling agency. Figures newest "
    "first; each with every revision (who sent it, when, which one is of record, "
    "data-quality flags). Another agency's revision shows who sent it, not its event_id.",
    responses=_ERRORS,
)
async def read_series(
    request: Request,
    credential: AuthenticatedAgency,
    services: Services,
    indicator: Annotated[str, Path(max_length=100, examples=["dvc.paperless-rate"])],
    scope: Annotated[str, Path(max_length=100, examples=["province"])],
    observed_from: Annotated[
        WrittenTime | None,
        Query(alias="from", description="Figures observed at or after this (with offset)."),
    ] = None,
    observed_to: Annotated[
        WrittenTime | None,
        Query(alias="to", description="Figures observed before this (with offset)."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=_MAX_FIGURES, description="At most this many.")] = 100,
) -> SeriesReadBack:
    _audit_as(request, "series.read")
    rules = services.catalog.last
    if rules is None:
        raise retry_later(
            CATALOG_NOT_READ,
            retry_after_seconds=services.settings.ingest_retry_after_seconds,
        )
    if not rules.policy.allows(credential.agency, indicator, scope):
        raise ApiError(
            404,
            bilingual(
                f"Không có chuỗi số liệu {indicator}/{scope} trong các chuỗi được giao cho cơ "
                f"quan {credential.agency}",
                "no such series among those granted to this agency",
            ),
        )
    for moment, name in ((observed_from, "from"), (observed_to, "to")):
        if moment is not None and (
            moment.tzinfo is None or not _EARLIEST.year <= moment.year < _LATEST.year
        ):
            raise ApiError(
                422,
                bilingual(
                    f"Tham số '{name}' phải là thời điểm có múi giờ, ví dụ "
                    "2023-06-30T00:00:00+07:00",
                    f"'{name}' must be a time with a UTC offset",
                ),
            )
    async with _connection(services) as connection:
        revisions = await series_revisions(
            connection,
            agency=credential.agency,
            indicator=indicator,
            scope=scope,
            observed_from=observed_from or _EARLIEST,
            observed_to=observed_to or _LATEST,
            figures=limit + 1,  # one more tells whether the answer is cut short
        )
    figures = figures_of(revisions)
    return SeriesReadBack(
        indicator=indicator,
        scope=scope,
        figures=[
            FigureOut(
                observed_at=figure.observed_at,
                value=figure.of_record.value,
                agency=figure.of_record.agency,
                revisions=[revision_out(r) for r in figure.revisions],
            )
            for figure in figures[:limit]
        ],
        truncated=len(figures) > limit,
    )


@router.get(
    "/events/{event_id}",
    summary="What became of one of this agency's events",
    description="stored (with whether it is the figure of record) or refused by the "
    "pipeline (dead-lettered, with the reason). 404 when the id is not this agency's, "
    "was refused at the gateway (that request got 403/422 with the reason), or is still "
    "on its way: the pipeline usually stores an event within seconds.",
    responses=_ERRORS,
)
async def read_event(
    request: Request, credential: AuthenticatedAgency, services: Services, event_id: UUID
) -> EventReadBack:
    _audit_as(request, "events.read")
    async with _connection(services) as connection:
        fate = await event_fate(
            connection, agency=credential.agency, event_id=event_id, refusals=_REFUSALS_SHOWN
        )
    told = describe_fate(fate)
    if told is None:
        raise ApiError(
            404,
            bilingual(
                f"Cơ quan {credential.agency} không có sự kiện {event_id}: chưa từng gửi, bị từ "
                "chối ngay khi gửi (403/422), hoặc đang được xử lý — nếu vừa gửi, hãy hỏi lại "
                "sau vài giây",
                "no such event of this agency; if it was just sent, ask again shortly",
            ),
        )
    message, message_en = told
    return EventReadBack(
        event_id=event_id,
        status=EventStatus.STORED if fate.stored is not None else EventStatus.REFUSED,
        message=message,
        message_en=message_en,
        stored=stored_out(fate.stored) if fate.stored is not None else None,
        refusals=[
            RefusalOut(
                error_code=refusal.error_code,
                meaning=meaning_of(refusal.error_code)[0],
                meaning_en=meaning_of(refusal.error_code)[1],
                reason=refusal.reason,
                refused_at=refusal.refused_at,
            )
            for refusal in fate.refusals
        ],
    )


@asynccontextmanager
async def _connection(services: IngestServices) -> AsyncIterator[Connection]:
    try:
        async with asyncio.timeout(_TIMEOUT_SECONDS), services.pool.acquire() as connection:
            yield connection
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
        _log.warning("could not read back: %s", error, extra={"error": str(error)})
        raise retry_later(
            DATABASE_UNAVAILABLE,
            retry_after_seconds=services.settings.ingest_retry_after_seconds,
        ) from error


def _audit_as(request: Request, action: str) -> None:
    record = request_record(request)
    if record is not None:
        record.action = action
