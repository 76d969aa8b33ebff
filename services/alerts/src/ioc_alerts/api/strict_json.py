"""The operators' JSON bodies read as the agencies' events are: a name given twice is refused.

FastAPI reads a body with the standard library, which keeps the last value of a repeated
name without a word: `{"ends_at": "…08:00…", …, "ends_at": "…18:00…"}` would silence for
ten hours where the operator's script, or whoever reads the request in a proxy's log,
saw two. The same rule and wording as for events (`ioc_contracts.member_names`), in the
shape of every other 422 of this API.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

from ioc_contracts import member_names
from ioc_contracts.surrogates import escaped

_Handler = Callable[[Request], Coroutine[Any, Any, Response]]


class StrictJsonRoute(APIRoute):
    """A route whose JSON body is refused (422) when an object of it repeats a name."""

    def get_route_handler(self) -> _Handler:
        handler = super().get_route_handler()

        async def strict(request: Request) -> Response:
            content_type = request.headers.get("content-type", "")
            if content_type.split(";")[0].strip().lower() == "application/json":
                # Read once: Starlette keeps the bytes for the handler's own reading.
                repeated = _repeated(await request.body())
                if repeated:
                    raise RequestValidationError(
                        [
                            {
                                "type": "value_error",
                                "loc": ("body", escaped(name)),
                                "msg": member_names.REASON_EN,
                                "input": None,
                            }
                            for name in repeated
                        ]
                    )
            return await handler(request)

        return strict


def _repeated(body: bytes) -> tuple[str, ...]:
    if not body:
        return ()
    try:
        return member_names.repeated_names(member_names.loads(body))
    except (ValueError, RecursionError):
        return ()  # not JSON: FastAPI's own reading answers that
