"""Request bodies bounded before the application reads them (`ioc_runtime.body_limit`):
a body declared too large is refused unread, one that grows too large while it streams
is refused the moment it does and the application's own answer is dropped, one within
the limit reaches the application whole."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI, Request
from pydantic import BaseModel

from ioc_runtime.body_limit import BodyLimit

LIMIT = 1024


class Silence(BaseModel):
    reason: str


def _app(seen: list[int]) -> FastAPI:
    app = FastAPI()

    @app.post("/model")
    async def model(body: Silence) -> dict[str, int]:
        seen.append(len(body.reason))
        return {"read": len(body.reason)}

    @app.post("/raw")
    async def raw(request: Request) -> dict[str, int]:
        body = await request.body()
        seen.append(len(body))
        return {"read": len(body)}

    app.add_middleware(BodyLimit, max_bytes=LIMIT)
    return app


async def _chunks(total: int, size: int = 100) -> AsyncIterator[bytes]:
    for start in range(0, total, size):
        yield b" " * min(size, total - start)


@pytest.fixture
def seen() -> list[int]:
    return []


@pytest.fixture
async def client(seen: list[int]) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=_app(seen))
    async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as client:
        yield client


async def test_a_body_declared_too_large_is_refused_unread(
    client: httpx.AsyncClient, seen: list[int]
) -> None:
    for path in ("/model", "/raw"):
        answer = await client.post(path, content=b"x" * (LIMIT + 1))
        assert answer.status_code == 413
        assert answer.json() == {"detail": f"the request body is larger than {LIMIT} bytes"}
        assert answer.headers["connection"] == "close"
    assert seen == []


async def test_a_body_streaming_past_the_limit_is_refused_when_it_does(
    client: httpx.AsyncClient, seen: list[int]
) -> None:
    """Chunked, so no length is declared: FastAPI's own answer to the body it could not
    read (400) is dropped, the 413 stands."""
    for path in ("/model", "/raw"):
        answer = await client.post(path, content=_chunks(LIMIT * 50))
        assert answer.status_code == 413, answer.text
        assert answer.json() == {"detail": f"the request body is larger than {LIMIT} bytes"}
    assert seen == []


async def test_a_body_within_the_limit_reaches_the_application_whole(
    client: httpx.AsyncClient, seen: list[int]
) -> None:
    padded = b'{"reason": "' + b"x" * (LIMIT - 14) + b'"}'
    assert len(padded) == LIMIT
    model = await client.post(
        "/model", content=padded, headers={"Content-Type": "application/json"}
    )
    raw = await client.post("/raw", content=_chunks(LIMIT))
    empty = await client.post("/raw")
    assert (model.status_code, raw.status_code, empty.status_code) == (200, 200, 200)
    assert seen == [LIMIT - 14, LIMIT, 0]
