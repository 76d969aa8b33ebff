"""Which query names a route takes, however it declares them, and what a query repeats
or adds: read from the same request FastAPI serves."""

from __future__ import annotations

from typing import Annotated

import httpx
from fastapi import Depends, FastAPI, Query, Request
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field

from ioc_runtime.query_parameters import declared_query_names, query_problems


class _Filters(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    since: str | None = Field(default=None, alias="from")
    limit: int = 10


async def _paging(page: int = 1) -> int:
    return page


app = FastAPI()


@app.get("/figures")
async def figures(
    request: Request,
    filters: Annotated[_Filters, Query()],
    page: Annotated[int, Depends(_paging)],
    observed_to: Annotated[str | None, Query(alias="to")] = None,
) -> list[list[str]]:
    return [[p.name, p.kind.value] for p in query_problems(request)]


@app.get("/links")
async def links(request: Request, r: str = "") -> list[list[str]]:
    return [[p.name, p.kind.value] for p in query_problems(request, unknown_refused=False)]


def test_names_come_from_parameters_aliases_dependencies_and_query_models() -> None:
    [route] = [r for r in app.routes if isinstance(r, APIRoute) and r.path == "/figures"]
    # The model's field is sent by its alias: `since` is not a name a client uses.
    assert declared_query_names(route) == {"from", "limit", "page", "to"}


async def _problems(query: str, path: str = "/figures") -> list[list[str]]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        answer = await client.get(f"{path}?{query}")
    assert answer.status_code == 200, answer.text
    found: list[list[str]] = answer.json()
    return found


async def test_repeated_and_unknown_names_are_found_in_the_order_sent() -> None:
    assert await _problems("from=a&limit=2&page=3&to=b") == []
    assert await _problems("") == []
    assert await _problems("limt=5&page=1&page=2&since=x") == [
        ["limt", "unknown"],
        ["page", "repeated"],
        ["since", "unknown"],
    ]
    # Blank values count: `?to=&to=x` names `to` twice.
    assert await _problems("to=&to=x") == [["to", "repeated"]]
    # Escapes are decoded first, so `%6Cimit` is `limit`.
    assert await _problems("limit=1&%6Cimit=2") == [["limit", "repeated"]]


async def test_unknown_names_may_be_left_alone_but_never_repeated_ones() -> None:
    assert await _problems("r=a&utm_source=mail", "/links") == []
    assert await _problems("r=a&r=b&utm=1&utm=2", "/links") == [
        ["r", "repeated"],
        ["utm", "repeated"],
    ]
