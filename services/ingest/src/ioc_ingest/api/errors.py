"""Error answers: one shape for every 4xx/5xx the API raises on purpose.

{"detail": "what happened and what to do", "errors": [{"index": 0, "field": "value",
 "reason": "150 is outside the valid range [0, 100] of indicator 'dvc.paperless-rate'"}]}
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from ioc_catalog.wording import bilingual
from ioc_ingest.api.accounting import request_record
from ioc_ingest.domain.problems import EventProblem
from ioc_ingest.domain.report_reasons import vietnamese_first, vietnamese_reason

# Answers several routes give, worded once.
CATALOG_NOT_READ = bilingual(
    "Danh mục chưa được đọc, hãy thử lại sau ít phút",
    "the catalog has not been read yet; try again shortly",
)
DATABASE_UNAVAILABLE = bilingual(
    "Cơ sở dữ liệu tạm thời không truy cập được, hãy thử lại sau",
    "the database is unavailable; try again later",
)

# A 500-event batch with several mistakes each is still answered in full; beyond this
# the first errors are enough to fix the pattern.
MAX_ERRORS_SHOWN = 1_000


class ErrorItem(BaseModel):
    index: int | None = Field(
        default=None,
        description="Position of the event in the request (0-based), or of the data row in a "
        "CSV report; absent when the problem is the request as a whole.",
        examples=[0],
    )
    sheet: str | None = Field(
        default=None, description="Excel reports only: the worksheet.", examples=["Báo cáo"]
    )
    row: int | None = Field(
        default=None,
        description="Reports only: row number as a spreadsheet shows it (a CSV report's "
        "header is row 1).",
        examples=[2],
    )
    field: str | None = Field(
        default=None, description="The offending field or column.", examples=["value"]
    )
    reason: str = Field(
        description="What is wrong, in words to act on.",
        examples=["150 is outside the valid range [0, 100] of indicator 'dvc.paperless-rate'"],
    )

    @classmethod
    def of(cls, problem: EventProblem, *, row: int | None = None) -> ErrorItem:
        """The problem as the agency reads it: Vietnamese first, then English."""
        worded = vietnamese_first(problem)
        return cls(index=worded.index, row=row, field=worded.field, reason=worded.reason)

    @classmethod
    def of_shape(cls, field: str | None, reason: str, *, row: int | None = None) -> ErrorItem:
        return cls(row=row, field=field, reason=vietnamese_reason(field, reason))


class ErrorBody(BaseModel):
    detail: str = Field(description="What happened, and what to do about it.")
    errors: list[ErrorItem] = Field(
        default_factory=list, description="Each problem found, when there are several."
    )


class ApiError(Exception):
    """Raised anywhere in the API layer; answered as an ErrorBody with `status`."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        errors: Iterable[ErrorItem] = (),
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = list(errors)
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})


def retry_later(detail: str, *, retry_after_seconds: int) -> ApiError:
    return ApiError(503, detail, headers={"Retry-After": str(retry_after_seconds)})


async def answer_problem(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ApiError)  # registered for ApiError only
    shown = error.errors[:MAX_ERRORS_SHOWN]
    detail = error.detail
    if len(error.errors) > len(shown):
        detail += " " + bilingual(
            f"(liệt kê {len(shown)} lỗi đầu tiên trong {len(error.errors)} lỗi)",
            f"(the first {len(shown)} of {len(error.errors)} errors are listed)",
        )
    record = request_record(request)
    if record is not None:
        record.note_problem(detail, [item.model_dump(exclude_none=True) for item in shown])
    body = ErrorBody(detail=detail, errors=shown).model_dump(mode="json", exclude_none=True)
    return JSONResponse({**body, **error.extra}, status_code=error.status, headers=error.headers)


def upload_answers(
    *,
    media_type: str,
    refused: type[BaseModel],
    forbidden: str,
    invalid: str,
    unavailable: str = "Kafka or the database is unavailable.",
) -> dict[int | str, dict[str, Any]]:
    """The documented answers of a route that takes an agency's figures, besides its 202:
    the same codes everywhere, with what this route refuses (`refused` is the model of
    its 403 and 422 answers)."""
    return {
        400: {
            "model": ErrorBody,
            "description": "Content-Length is not a number, or a compressed body cannot be "
            "unpacked.",
        },
        401: {"model": ErrorBody, "description": "No API key, or one that is unknown or revoked."},
        403: {"model": refused, "description": forbidden},
        413: {
            "model": ErrorBody,
            "description": "The body is larger than the limit, as sent or once unpacked.",
        },
        415: {
            "model": ErrorBody,
            "description": f"Content-Type is not {media_type}, or the body is compressed "
            "with a coding other than gzip or deflate (see Accept-Encoding), or twice.",
        },
        422: {"model": refused, "description": invalid},
        429: {"model": ErrorBody, "description": "Rate limit of the agency; see Retry-After."},
        503: {"model": ErrorBody, "description": unavailable},
    }
