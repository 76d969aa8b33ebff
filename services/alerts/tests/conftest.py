"""What the alert service's tests share: a local HTTP receiver and the database of a test.

A webhook receiver, Telegram and Zalo are third-party endpoints that cannot run here, so
a test starts a real HTTP server on 127.0.0.1 (stdlib `http.server` in a thread) whose
handler checks the request the way the real API documents it and answers the way it
does. The application-layer tests (decide/, deliver/) run the flows against a database
of their own with the shipped catalog (`catalog_database`), as the alerts role.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import asyncpg
import pytest

from ioc_storage.connection import Connection
from ioc_testing import ScratchDatabase

# Bounds every wait on the local servers; nothing here should take a tenth of this.
SERVER_WAIT_SECONDS = 5.0


@dataclass(frozen=True)
class ReceivedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, Part]:
        """A multipart/form-data body, field name → part."""
        content_type = self.header("content-type") or ""
        raw = f"Content-Type: {content_type}\r\n\r\n".encode() + self.body
        parsed = BytesParser(policy=policy.HTTP).parsebytes(raw)
        assert isinstance(parsed, EmailMessage)
        parts: dict[str, Part] = {}
        for part in parsed.iter_parts():
            name = part.get_param("name", header="content-disposition")
            assert isinstance(name, str)
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            parts[name] = Part(part.get_filename(), part.get_content_type(), payload)
        return parts


@dataclass(frozen=True)
class Part:
    filename: str | None
    content_type: str
    data: bytes

    @property
    def text(self) -> str:
        return self.data.decode("utf-8")


Reply = tuple[int, dict[str, str], bytes]
Responder = Callable[[ReceivedRequest], Reply]


def json_reply(status: int, body: object, headers: dict[str, str] | None = None) -> Reply:
    return (
        status,
        {"Content-Type": "application/json", **(headers or {})},
        json.dumps(body).encode(),
    )


@dataclass
class LocalHttpServer:
    """A real HTTP server on 127.0.0.1 whose answers come from `responder`."""

    responder: Responder
    requests: list[ReceivedRequest] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    """A responder may wait on this (bounded) to play a server that never answers."""
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                request = ReceivedRequest(
                    method=self.command,
                    path=self.path,
                    headers={name.lower(): value for name, value in self.headers.items()},
                    body=self.rfile.read(length),
                )
                owner.requests.append(request)
                status, headers, body = owner.responder(request)
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout tests)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self.release.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(SERVER_WAIT_SECONDS)


@pytest.fixture
def http_server() -> Iterator[Callable[[Responder], LocalHttpServer]]:
    started: list[LocalHttpServer] = []

    def start(responder: Responder) -> LocalHttpServer:
        server = LocalHttpServer(responder)
        server.start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
async def alerts_pool(catalog_database: ScratchDatabase) -> AsyncIterator[asyncpg.Pool]:
    """The pool the service would have: the alerts role on the test's own database."""
    pool = await asyncpg.create_pool(catalog_database.dsns["alerts"], min_size=1, max_size=6)
    try:
        yield pool
    finally:
        await pool.close()


@dataclass
class Figures:
    """Puts figures of record in place, as the aggregator would have stored them."""

    connection: Connection

    async def put(self, indicator: str, scope: str, *points: tuple[datetime, float]) -> None:
        await self.connection.executemany(
            "INSERT INTO ioc.figures (indicator, scope, observed_at, value, agency, event_id, "
            "received_at, revised_at) VALUES ($1, $2, $3, $4, 'vp-ubnd', $5, $3, $3) "
            "ON CONFLICT (indicator, scope, observed_at) DO UPDATE SET value = EXCLUDED.value",
            [(indicator, scope, at, value, uuid.uuid4()) for at, value in points],
        )


@pytest.fixture
async def figures(catalog_database: ScratchDatabase) -> AsyncIterator[Figures]:
    connection = await asyncpg.connect(catalog_database.dsns["migrator"])
    try:
        yield Figures(connection)
    finally:
        await connection.close()
