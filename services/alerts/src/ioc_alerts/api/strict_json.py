"""The operators' JSON bodies read as the agencies' events are: a name given twice is refused,
and a refusal can always be written, whatever text the body held.

FastAPI reads a body with the standard library, which keeps the last value of a repeated
name without a word: `{"ends_at": "…08:00…", …, "ends_at": "…18:00…"}` would silence for
ten hours where the operator's script, or whoever reads the request in a proxy's log,
saw two. The same rule and wording as for events (`ioc_contracts.member_names`), in the
shape of every other 422 of this API.

FastAPI's own 422 quotes the field's name and the value it refused; one holding a lone
UTF-16 surrogate (JSON can write `"\\ud800"`) cannot be encoded, and the answer became a
500, or for a value a dropped connection. `readable_validation_answer` writes such
characters as their escapes (`ioc_contracts.surrogates.escaped`).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from ioc_contracts import member_names
from ioc_contracts.surrogates import escaped, lone_surrogates

_Handler = Callable[[Request], Coroutine[Any, Any, Response]]


class StrictJsonRoute(APIRoute):
    """A route whose JSON body is refused (422, the field named) when its object repeats
    a name or holds a lone surrogate in a name or a text."""

    def get_route_handler(self) -> _Handler:
        handler = super().get_route_handler()

        async def strict(request: Request) -> Response:
            content_type = request.headers.get("content-type", "")
            if content_type.split(";")[0].strip().lower() == "application/json":
                # Read once: Starlette keeps the bytes for the handler's own reading.
                problems = _problems(await request.body())
                if problems:
                    raise RequestValidationError(
                        [
                            {
                                "type": "value_error",
                                "loc": ("body", field),
                                "msg": why,
                                "input": None,
                            }
                            for field, why in problems
                        ]
                    )
            return await handler(request)

        return strict


def _problems(body: bytes) -> list[tuple[str, str]]:
    """(field, why) for each name given twice and each lone surrogate, in the body's
    object: pydantic would take the last value of the first without a word and refuse
    the second without naming a field's name."""
    if not body:
        return []
    try:
        document = member_names.loads(body)
    except (ValueError, RecursionError):
        return []  # not JSON: FastAPI's own reading answers that
    found = [
        (escaped(name), member_names.REASON_EN) for name in member_names.repeated_names(document)
    ]
    if isinstance(document, dict):
        found += [(lone.field, lone.reason_en) for lone in lone_surrogates(document)]
    return found


async def readable_validation_answer(_: Request, error: Exception) -> JSONResponse:
    """FastAPI's 422 (`{"detail": [...]}`), every text in it encodable."""
    assert isinstance(error, RequestValidationError)
    return JSONResponse(
        status_code=422, content={"detail": _encodable(jsonable_encoder(error.errors()))}
    )


def _encodable(value: object) -> object:
    if isinstance(value, str):
        return escaped(value)
    if isinstance(value, list):
        return [_encodable(item) for item in value]
    if isinstance(value, dict):
        return {escaped(str(key)): _encodable(item) for key, item in value.items()}
    return value
