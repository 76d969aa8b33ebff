"""Excel reports: `POST /v1/reports/xlsx` (checked like CSV, row by row, all or nothing)
and `GET /v1/reports/template.xlsx` (the calling agency's own template)."""

from __future__ import annotations

import asyncio

import asyncpg
from fastapi import APIRouter, Depends, Request, Response, status

from ioc_catalog.wording import bilingual
from ioc_ingest.adapters.template_lines import read_agency_template
from ioc_ingest.api.body import read_bytes
from ioc_ingest.api.dependencies import AuthenticatedAgency, Services
from ioc_ingest.api.errors import ApiError, ErrorBody, ErrorItem, retry_later, upload_answers
from ioc_ingest.api.query import plain_query
from ioc_ingest.api.reports import check_and_publish
from ioc_ingest.api.schemas import ReportAccepted, ReportRefused
from ioc_ingest.domain.report_template import build_template
from ioc_ingest.domain.xlsx_report import WorkbookLimits, WorkbookShapeError, parse_workbook

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_TEMPLATE_TIMEOUT_SECONDS = 5.0

router = APIRouter(prefix="/v1", tags=["reports"], dependencies=[Depends(plain_query)])

_RESPONSES = upload_answers(
    media_type=XLSX_MEDIA_TYPE,
    refused=ReportRefused,
    forbidden="Rows for indicators or scopes not granted to this agency; nothing was "
    "published. `rows` reports every row with its sheet.",
    invalid="Not an .xlsx workbook, too large unpacked, no header found, or invalid rows; "
    "nothing was published. `rows` reports every row (sheet, row, errors).",
)


@router.post(
    "/reports/xlsx",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Upload a monthly report as an Excel workbook",
    description="Every visible sheet whose header names the columns indicator, scope, "
    "observed_at and value (by code or by Vietnamese label: Mã chỉ tiêu, Mã phạm vi, Ngày "
    "số liệu, Giá trị) is read; a title block above the header and a header merged over two "
    "rows are fine. Numbers may be number cells, percentage cells or text with a decimal "
    "comma; dates may be date cells or text written day first (30/06/2023). Formulas are "
    "never evaluated: the value Excel saved is read, and a formula saved without one (by a "
    "program that does not compute) is refused. A row with data that is hidden (by a "
    "filter, say), a hidden report column or a report cell whose number format shows "
    "nothing of its value (`;;;`, a blank for zero) or whose text is the colour of its "
    "background is refused: what is sent is what was on the screen. Rows are checked like a CSV report's, all or nothing, and the answer names "
    "each row's sheet and row number.",
    response_description="Every row was acknowledged by Kafka.",
    responses=_RESPONSES,
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "The .xlsx file as the body (not a form).",
            "content": {XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
async def upload_xlsx_report(
    request: Request, credential: AuthenticatedAgency, services: Services
) -> ReportAccepted:
    settings = services.settings
    data = await read_bytes(
        request, media_type=XLSX_MEDIA_TYPE, max_bytes=settings.ingest_max_xlsx_bytes
    )
    limits = WorkbookLimits(
        max_rows=settings.ingest_max_csv_rows,
        max_unpacked_bytes=settings.ingest_max_xlsx_unpacked_bytes,
    )
    try:
        # Off the event loop: unpacking and parsing XML is seconds of CPU for a large file.
        report = await asyncio.to_thread(
            parse_workbook, data, agency=credential.agency, limits=limits
        )
    except WorkbookShapeError as error:
        raise ApiError(
            422,
            bilingual(
                "tệp không phải là báo cáo đọc được; không có số liệu nào được gửi",
                "the file is not a report this endpoint can read; nothing was published",
            ),
            errors=[
                ErrorItem(sheet=error.sheet, row=error.row, field=error.field, reason=error.reason)
            ],
        ) from error
    return await check_and_publish(request, credential, services, report)


@router.get(
    "/reports/template.xlsx",
    summary="The calling agency's Excel report template",
    description="One line per indicator and scope the agency is granted, with the "
    "indicator's name, unit and allowed range; fill the date and the value, then upload "
    "the file to POST /v1/reports/xlsx as it is.",
    response_class=Response,
    responses={
        200: {"content": {XLSX_MEDIA_TYPE: {}}, "description": "The template."},
        401: {"model": ErrorBody, "description": "No API key, or one that is unknown."},
        503: {"model": ErrorBody, "description": "The database is unavailable."},
    },
)
async def report_template(credential: AuthenticatedAgency, services: Services) -> Response:
    try:
        async with (
            asyncio.timeout(_TEMPLATE_TIMEOUT_SECONDS),
            services.pool.acquire() as connection,
        ):
            template = await read_agency_template(connection, agency=credential.agency)
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
        raise retry_later(
            bilingual(
                "hiện không đọc được danh mục; hãy thử lại sau ít phút",
                "the catalog cannot be read right now; try again shortly",
            ),
            retry_after_seconds=services.settings.ingest_retry_after_seconds,
        ) from error
    content = await asyncio.to_thread(
        build_template,
        template.lines,
        agency=template.agency,
        agency_name=template.agency_name,
        made_at=services.now(),
    )
    filename = f"bao-cao-{credential.agency}.xlsx"
    return Response(
        content,
        media_type=XLSX_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
