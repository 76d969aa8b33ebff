"""The operators' query parameters read as sent: a name given twice, or one the route does
not take, is refused (422, in the shape of every other), after the token is checked.

`?state=ended&state=active` would list the active silences, `?actor=an&actor=binh`
Bình's actions, where a script, a proxy or the access log shows the first; and a name
the route does not take (`GET /v1/alerts?state=firing`) would be ignored, the answer
looking filtered when it is not (`ioc_runtime.query_parameters`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError

from ioc_alerts.api.auth import authenticated
from ioc_catalog.wording import bilingual
from ioc_runtime.query_parameters import QueryProblemKind, query_problems


async def plain_query(request: Request, _: Annotated[object, Depends(authenticated)]) -> None:
    problems = query_problems(request)
    if problems:
        raise RequestValidationError(
            [
                {
                    "type": "value_error",
                    "loc": ("query", problem.name),
                    "msg": _REPEATED if problem.kind is QueryProblemKind.REPEATED else _UNKNOWN,
                    "input": None,
                }
                for problem in problems
            ]
        )


_REPEATED = bilingual(
    "tham số được ghi nhiều lần; hãy ghi mỗi tham số một lần",
    "the parameter appears more than once; give it once",
)
_UNKNOWN = bilingual("đường dẫn này không nhận tham số này", "this path takes no such parameter")
