"""POST /v1/events: one event or a batch, onto Kafka, answered after acknowledgement."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, status

from ioc_catalog.wording import bilingual
from ioc_ingest.api.accounting import request_record
from ioc_ingest.api.body import parse_json, read_body
from ioc_ingest.api.dependencies import AuthenticatedAgency, Services
from ioc_ingest.api.errors import ApiError, ErrorBody, ErrorItem, upload_answers
from ioc_ingest.api.openapi import events_request_body
from ioc_ingest.api.query import plain_query
from ioc_ingest.api.schemas import AcceptedEvents
from ioc_ingest.api.submission import publish, refusal, refuse_conflicting_ids, screening_rules
from ioc_ingest.domain.batch import events_in
from ioc_ingest.domain.problems import RequestShapeError
from ioc_ingest.domain.screening import screen_events

router = APIRouter(prefix="/v1", tags=["events"], dependencies=[Depends(plain_query)])

_ERRORS = upload_answers(
    media_type="application/json",
    refused=ErrorBody,
    forbidden="An event names another agency, or an indicator/scope the catalog does not "
    "grant this agency (the error names it). Nothing was published.",
    invalid="Not valid JSON, too many events, or events that break the contract or the "
    "catalog (unknown field or indicator, value out of range, a data-quality check the "
    "catalog sets to refuse, timestamp without offset, too far ahead or before the "
    "indicator's first reporting period) or an event_id this agency already used for other "
    "content (a revision needs a new event_id). Every problem is listed; nothing was "
    "published.",
    unavailable="Kafka or the database is unavailable; nothing is confirmed. Resend the "
    "same events (same event_id) after Retry-After.",
)


@router.post(
    "/events",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Publish one indicator event or a batch",
    description='Send one IndicatorEvent object, or `{"events": [...]}`. All or nothing: '
    "if any event is refused, none is published and every problem is listed. 202 comes "
    "only after Kafka acknowledged every event (acks=all).",
    response_description="Every event was acknowledged by Kafka.",
    responses=_ERRORS,
    openapi_extra=events_request_body(),
)
async def publish_events(
    request: Request, credential: AuthenticatedAgency, services: Services
) -> AcceptedEvents:
    settings = services.settings
    text = await read_body(
        request, media_type="application/json", max_bytes=settings.ingest_max_body_bytes
    )
    try:
        items = events_in(parse_json(text), max_batch=settings.ingest_max_batch)
    except RequestShapeError as error:
        raise ApiError(
            422,
            bilingual(
                "nội dung không phải một sự kiện hay một lô sự kiện",
                "the body is not one event or a batch of events",
            ),
            errors=[ErrorItem.of_shape(error.field, error.reason)],
        ) from error
    record = request_record(request)
    if record is not None:
        record.rejected = len(items)
    screening = screen_events(
        items, agency=credential.agency, rules=screening_rules(services), now=services.now()
    )
    screening = await refuse_conflicting_ids(services, screening)
    if screening.problems:
        raise refusal(
            refused=len({problem.index for problem in screening.problems}),
            total=len(items),
            forbidden=screening.forbidden,
            what="events",
            errors=[ErrorItem.of(problem) for problem in screening.problems],
        )
    await publish(services, record, screening.events)
    return AcceptedEvents(
        accepted=len(screening.events), event_ids=[event.event_id for event in screening.events]
    )
