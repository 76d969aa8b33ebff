"""An agency's query parameters: refused in the API's own answer, Vietnamese first, when
one is repeated, unknown to the route, or not of its type.

A repeated name would be read as its last value and an unknown one ignored
(`ioc_runtime.query_parameters`); FastAPI's own 422 for a parameter of the wrong type
(`?limit=abc`) is English in a shape of its own, where every other refusal of this API is
an `ErrorBody`.
"""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from ioc_catalog.wording import bilingual
from ioc_ingest.api.dependencies import AuthenticatedAgency
from ioc_ingest.api.errors import ApiError, ErrorItem, answer_problem
from ioc_runtime.query_parameters import (
    QueryProblem,
    QueryProblemKind,
    declared_query_names,
    query_problems,
)

_DETAIL = bilingual(
    "Tham số của yêu cầu không hợp lệ; xem từng lỗi bên dưới",
    "the request's parameters are not valid; see each error",
)


async def plain_query(request: Request, _: AuthenticatedAgency) -> None:
    """A dependency of every agency's route, after the key is checked (401 and 429 come
    first, as for a body)."""
    problems = query_problems(request)
    if problems:
        route = request.scope.get("route")
        taken = sorted(declared_query_names(route)) if isinstance(route, APIRoute) else []
        raise ApiError(422, _DETAIL, errors=[_item(problem, taken) for problem in problems])


def _item(problem: QueryProblem, taken: Sequence[str]) -> ErrorItem:
    name = problem.name
    if problem.kind is QueryProblemKind.REPEATED:
        reason = bilingual(
            f"tham số '{name}' được ghi nhiều lần; hãy ghi mỗi tham số một lần",
            f"'{name}' appears more than once in the query; give each parameter once",
        )
    elif taken:
        listed = ", ".join(taken)
        reason = bilingual(
            f"đường dẫn này không nhận tham số '{name}'; chỉ nhận: {listed}",
            f"this path takes no parameter '{name}'; it takes: {listed}",
        )
    else:
        reason = bilingual(
            f"đường dẫn này không nhận tham số '{name}' nào; hãy bỏ phần sau dấu '?'",
            f"this path takes no query parameters ('{name}' was given); drop what follows '?'",
        )
    return ErrorItem(field=name, reason=reason)


async def answer_invalid_parameters(request: Request, error: Exception) -> JSONResponse:
    """FastAPI's refusal of a path or query parameter, as every other refusal reads."""
    assert isinstance(error, RequestValidationError)  # registered for it only
    items = []
    for found in error.errors():
        location = [str(part) for part in found.get("loc", ())]
        name = location[-1] if location else None
        where = "phần '{}' của đường dẫn" if location[:1] == ["path"] else "tham số '{}'"
        meaning = where.format(name) + " không hợp lệ"
        items.append(ErrorItem(field=name, reason=bilingual(meaning, str(found.get("msg", "")))))
    return await answer_problem(request, ApiError(422, _DETAIL, errors=items))
