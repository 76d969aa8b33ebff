"""POST /v1/reports/csv: a monthly report as CSV, checked row by row, all or nothing."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from uuid import UUID

from fastapi import APIRouter, Depends, Request, status

from ioc_catalog.wording import bilingual
from ioc_ingest.api.accounting import request_record
from ioc_ingest.api.body import read_body
from ioc_ingest.api.dependencies import AuthenticatedAgency, Services
from ioc_ingest.api.errors import ApiError, ErrorItem, upload_answers
from ioc_ingest.api.openapi import csv_request_body
from ioc_ingest.api.query import plain_query
from ioc_ingest.api.schemas import (
    ReportAccepted,
    ReportRefused,
    ReportRowResult,
    RowError,
    RowStatus,
)
from ioc_ingest.api.submission import (
    publish,
    refusal,
    refuse_conflicting_ids,
    screening_rules,
)
from ioc_ingest.domain.csv_report import ParsedReport, ReportRow, parse_report
from ioc_ingest.domain.problems import EventProblem, RequestShapeError
from ioc_ingest.domain.report_reasons import vietnamese_first
from ioc_ingest.domain.screening import screen_events

router = APIRouter(prefix="/v1", tags=["reports"], dependencies=[Depends(plain_query)])

_RESPONSES = upload_answers(
    media_type="text/csv",
    refused=ReportRefused,
    forbidden="Rows for indicators or scopes not granted to this agency; nothing was "
    "published. `rows` reports every row.",
    invalid="Unreadable file or header, or invalid rows; nothing was published. `rows` "
    "reports every row (status `valid` rows were fine).",
)


@router.post(
    "/reports/csv",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Upload a monthly report as CSV",
    description="One row per indicator and scope; columns indicator, scope, observed_at, "
    "value and optionally numerator, denominator, note, event_id, source, reported_at. "
    "Every row is checked; if any row is refused nothing is published and the answer "
    "reports each row. A row without event_id gets one derived from agency, indicator, "
    "scope and observed_at, so uploading the same report again stores nothing twice.",
    response_description="Every row was acknowledged by Kafka.",
    responses=_RESPONSES,
    openapi_extra=csv_request_body(),
)
async def upload_csv_report(
    request: Request, credential: AuthenticatedAgency, services: Services
) -> ReportAccepted:
    settings = services.settings
    text = await read_body(request, media_type="text/csv", max_bytes=settings.ingest_max_body_bytes)
    try:
        report = parse_report(text, agency=credential.agency, max_rows=settings.ingest_max_csv_rows)
    except RequestShapeError as error:
        raise ApiError(
            422,
            bilingual(
                "tệp không phải là báo cáo đọc được; không có số liệu nào được gửi",
                "the file is not a report this endpoint can read; nothing was published",
            ),
            errors=[ErrorItem.of_shape(error.field, error.reason, row=1)],
        ) from error
    return await check_and_publish(request, credential, services, report)


async def check_and_publish(
    request: Request,
    credential: AuthenticatedAgency,
    services: Services,
    report: ParsedReport,
    *,
    worded: Callable[[EventProblem], EventProblem] = vietnamese_first,
) -> ReportAccepted:
    """Screens every row of a report read from any format, then publishes all or none;
    `worded` rewrites each problem for the people the format is made for."""
    record = request_record(request)
    if record is not None:
        record.rejected = len(report.rows)
    readable = report.readable
    screening = screen_events(
        [row.fields for row in readable],
        agency=credential.agency,
        rules=screening_rules(services),
        now=services.now(),
    )
    screening = await refuse_conflicting_ids(services, screening)
    problems = {
        index: [worded(problem) for problem in found]
        for index, found in _problems_by_row(report.rows, readable, screening.problems).items()
    }
    if problems:
        errors = [
            ErrorItem(
                index=row.index,
                sheet=row.sheet,
                row=row.row,
                field=problem.field,
                reason=problem.reason,
            )
            for row in report.rows
            for problem in problems.get(row.index, ())
        ]
        refused = refusal(
            refused=len(problems),
            total=len(report.rows),
            forbidden=screening.forbidden,
            what="rows",
            errors=errors,
        )
        rows = _row_results(report.rows, problems, ok_status=RowStatus.VALID)
        refused.extra["rows"] = [row.model_dump(mode="json") for row in rows]
        raise refused
    await publish(services, record, screening.events)
    return ReportAccepted(
        accepted=len(screening.events),
        rows=_row_results(report.rows, {}, ok_status=RowStatus.ACCEPTED),
    )


def _problems_by_row(
    rows: Sequence[ReportRow],
    screened: Sequence[ReportRow],
    screening_problems: Sequence[EventProblem],
) -> dict[int, list[EventProblem]]:
    """Every problem keyed by data row index: reading problems, then screening ones."""
    by_row: dict[int, list[EventProblem]] = defaultdict(list)
    for row in rows:
        by_row[row.index].extend(row.problems)
    for problem in screening_problems:
        by_row[screened[problem.index].index].append(problem)
    return {index: found for index, found in by_row.items() if found}


def _row_results(
    rows: Sequence[ReportRow],
    problems: Mapping[int, Sequence[EventProblem]],
    *,
    ok_status: RowStatus,
) -> list[ReportRowResult]:
    return [
        ReportRowResult(
            sheet=row.sheet,
            row=row.row,
            status=RowStatus.REJECTED if row.index in problems else ok_status,
            event_id=_uuid_or_none(row.fields.get("event_id")),
            indicator=_text_or_none(row.fields.get("indicator")),
            scope=_text_or_none(row.fields.get("scope")),
            errors=[
                RowError(field=problem.field, reason=problem.reason)
                for problem in problems.get(row.index, ())
            ],
        )
        for row in rows
    ]


def _uuid_or_none(value: object) -> UUID | None:
    try:
        return UUID(str(value)) if value is not None else None
    except ValueError:
        return None


def _text_or_none(value: object) -> str | None:
    return value[:64] if isinstance(value, str) else None
