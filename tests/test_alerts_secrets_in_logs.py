"""No secret in any log line or stored error: the alert service sends through every
channel with known secrets, at DEBUG, with failures on the way, and every byte it wrote
is searched. The real process; local stand-ins for Telegram, Zalo, a webhook receiver
and an SMTP server that requires a login."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from ioc_testing import ScratchDatabase
from ioc_testing.alert_service import AlertsLauncher, firing_alerts
from ioc_testing.mail import Mailbox
from ioc_testing.pipeline import free_port, wait_for

pytestmark = pytest.mark.connected

BOT_TOKEN = "7012345678:AAH-known-telegram-secret-xyz"
ZALO_TOKEN = "zalo-known-access-token-0123456789"
# A Standard Webhooks secret: whsec_ + base64 of 32 bytes ("webhook-known-secret-0123456789!").
WEBHOOK_KEY = "d2ViaG9vay1rbm93bi1zZWNyZXQtMDEyMzQ1Njc4OSE="
WEBHOOK_SECRET = f"whsec_{WEBHOOK_KEY}"
SMTP_PASSWORD = "smtp-known-password-0123456789"
ACK_SECRET = "test-ack-secret-0123456789"
API_TOKEN = "test-operator-token-0123456789"
LEADER = "chu-tich-ubnd"


class FlakyApi:
    """Answers each path's first request with a failure, the next ones with success."""

    def __init__(self) -> None:
        self.seen: dict[str, int] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                kind = (
                    "telegram" if "/bot" in self.path else "zalo" if "/oa/" in self.path else "hook"
                )
                api.requests.append((self.path, dict(self.headers.items())))
                first = api.seen.get(kind, 0) == 0
                api.seen[kind] = api.seen.get(kind, 0) + 1
                status, body = api.answer(kind, first=first)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler

    @staticmethod
    def answer(kind: str, *, first: bool) -> tuple[int, bytes]:
        if kind == "telegram":
            body = {
                "ok": False,
                "error_code": 502,
                "description": f"Bad Gateway at /bot{BOT_TOKEN}",
            }
            return (502, json.dumps(body).encode()) if first else (200, b'{"ok":true,"result":{}}')
        if kind == "zalo":
            body = {"error": -32, "message": f"rate limit for access_token={ZALO_TOKEN}"}
            return 200, json.dumps(body if first else {"error": 0, "message": "Success"}).encode()
        return (503, f"busy, secret={WEBHOOK_SECRET}".encode()) if first else (204, b"")

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def flaky_api() -> Iterator[FlakyApi]:
    api = FlakyApi()
    yield api
    api.close()


@pytest.fixture
def smtp_with_login() -> Iterator[tuple[int, Mailbox]]:
    mailbox = Mailbox()

    def authenticator(
        server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        good = isinstance(data, LoginPassword) and data.password == SMTP_PASSWORD.encode()
        return AuthResult(success=good, handled=False)

    port = free_port()
    controller = Controller(
        mailbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticator,
        auth_require_tls=False,
        auth_required=True,
    )
    controller.start()
    yield port, mailbox
    controller.stop()


def _secrets(database: ScratchDatabase) -> dict[str, str]:
    password = urlsplit(database.dsns["alerts"]).password
    assert password
    return {
        "telegram bot token": BOT_TOKEN,
        "telegram token's secret part": BOT_TOKEN.split(":", 1)[1],
        "zalo access token": ZALO_TOKEN,
        "webhook secret": WEBHOOK_SECRET,
        "webhook secret's key": WEBHOOK_KEY,
        "smtp password": SMTP_PASSWORD,
        "ack secret": ACK_SECRET,
        "operator token": API_TOKEN,
        "database password": password,
    }


async def test_no_secret_reaches_any_log_line_or_stored_error(
    catalog_database: ScratchDatabase,
    launch_alerts: AlertsLauncher,
    flaky_api: FlakyApi,
    smtp_with_login: tuple[int, Mailbox],
) -> None:
    smtp_port, mailbox = smtp_with_login
    migrator = await asyncpg.connect(catalog_database.dsns["migrator"])
    try:
        await migrator.execute(
            "UPDATE ioc.recipients SET telegram_chat_id = '123456789', "
            "zalo_user_id = '8189000477219660231' WHERE id = $1",
            LEADER,
        )
    finally:
        await migrator.close()
    alerts = launch_alerts.ready(
        IOC_LOG_LEVEL="DEBUG",
        IOC_ALERTS_EVALUATE_EVERY_SECONDS="3600",
        IOC_ALERTS_QUIET_START="00:00",
        IOC_ALERTS_QUIET_END="00:00",
        IOC_RETRY_BASE_DELAY_SECONDS="0.5",
        IOC_RETRY_MAX_DELAY_SECONDS="1",
        IOC_SMTP_HOST="127.0.0.1",
        IOC_SMTP_PORT=str(smtp_port),
        IOC_SMTP_STARTTLS="false",
        IOC_SMTP_USERNAME="ioc-canh-bao",
        IOC_SMTP_PASSWORD=SMTP_PASSWORD,
        IOC_TELEGRAM_BOT_TOKEN=BOT_TOKEN,
        IOC_TELEGRAM_BASE_URL=flaky_api.url,
        IOC_ZALO_ACCESS_TOKEN=ZALO_TOKEN,
        IOC_ZALO_BASE_URL=flaky_api.url,
        IOC_WEBHOOK_URL=f"{flaky_api.url}/hook",
        IOC_WEBHOOK_SECRET=WEBHOOK_SECRET,
        IOC_WEBHOOK_ALLOW_HOSTS='["127.0.0.1"]',
    )
    (alert_id,) = await firing_alerts(catalog_database)
    writer = await asyncpg.connect(catalog_database.dsns["alerts"])
    try:
        for channel in ("email", "telegram", "zalo", "webhook"):
            await writer.execute(
                "INSERT INTO ioc.notifications (id, alert_id, recipient, channel, kind, "
                "dedup_key, next_attempt_at, created_at) "
                "VALUES ($1, $2, $3, $4, 'firing', $5, now(), now())",
                uuid.uuid4(),
                alert_id,
                None if channel == "webhook" else LEADER,
                channel,
                f"{alert_id}:{channel}",
            )

        async def all_sent() -> bool:
            statuses = await writer.fetch(
                "SELECT status FROM ioc.notifications WHERE alert_id = $1", alert_id
            )
            return {row["status"] for row in statuses} == {"sent"}

        await wait_for(all_sent, what="every channel to deliver after its first failure")
        errors = await writer.fetch(
            "SELECT error FROM ioc.notification_attempts WHERE error IS NOT NULL"
        )
    finally:
        await writer.close()
    # Failed operator calls, a forged ack link: logged paths too.
    async with httpx.AsyncClient(base_url=alerts.url, timeout=30) as client:
        await client.get("/v1/alerts", headers={"Authorization": f"Bearer {API_TOKEN}x"})
        await client.get(f"/ack/{alert_id}?r={LEADER}&t={API_TOKEN}")
    alerts.stop()  # all it had to write, written

    assert mailbox.messages  # the login worked
    assert {kind for kind, count in flaky_api.seen.items() if count >= 2} == {
        "telegram",
        "zalo",
        "hook",
    }
    assert len(errors) >= 3  # the first attempts' failures were stored
    written = alerts.log_path.read_text(errors="replace")
    assert "notification not delivered" in written
    stored = "\n".join(row["error"] for row in errors)
    for name, secret in _secrets(catalog_database).items():
        assert secret not in written, f"the {name} is in the log"
        assert secret not in stored, f"the {name} is in a stored error"


def test_a_start_up_error_names_the_setting_without_its_value(tmp_path: Path) -> None:
    short = "zz-short-secret"
    result = subprocess.run(
        [sys.executable, "-m", "ioc_alerts"],
        env={
            "PATH": "/usr/bin:/bin",
            "IOC_DATABASE_URL": "postgresql://ioc_alerts:db-password-value@127.0.0.1/ioc",
            "IOC_ACK_SECRET": short,
            "IOC_API_TOKEN": "another-short",
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "IOC_ACK_SECRET" in result.stderr
    for value in (short, "another-short", "db-password-value"):
        assert value not in result.stderr + result.stdout
