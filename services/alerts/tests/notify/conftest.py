"""Local stand-ins for the services the channels talk to.

Telegram, Zalo and a webhook receiver are third-party endpoints that cannot run here,
so each test starts a real HTTP server on 127.0.0.1 (stdlib `http.server` in a thread)
whose handler checks the request the way the real API documents it and answers the
way the real API does. Email goes to a real SMTP server (aiosmtpd) on a free port.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from ioc_alerts.messages.context import AlertContext, NotificationKind
from ioc_alerts.messages.render import render
from ioc_alerts.notify.delivery import OutgoingMessage
from ioc_contracts.catalog import Language, Recipient, Unit
from ioc_contracts.status import RiskStatus, Severity

# Bounds every wait on the local servers; nothing here should take a tenth of this.
SERVER_WAIT_SECONDS = 5.0
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def free_port() -> int:
    """A port nothing listens on (bound and released at once)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class MailDrop:
    """An aiosmtpd handler: keeps what it accepts, or answers with a scripted reply."""

    def __init__(self, rcpt_reply: str | None = None, data_reply: str | None = None):
        self.rcpt_reply = rcpt_reply
        self.data_reply = data_reply
        self.received: list[Envelope] = []

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        if self.data_reply:
            return self.data_reply
        self.received.append(envelope)
        return "250 Message accepted for delivery"


@dataclass(frozen=True)
class RunningSmtp:
    port: int
    drop: MailDrop


@pytest.fixture
def smtp_server() -> Iterator[Callable[..., RunningSmtp]]:
    """Starts a real SMTP server; keyword arguments script its replies (see MailDrop)."""
    controllers: list[Controller] = []

    def start(*, rcpt_reply: str | None = None, data_reply: str | None = None) -> RunningSmtp:
        drop = MailDrop(rcpt_reply=rcpt_reply, data_reply=data_reply)
        port = free_port()
        controller = Controller(
            drop, hostname="127.0.0.1", port=port, ready_timeout=SERVER_WAIT_SECONDS
        )
        controller.start()
        controllers.append(controller)
        return RunningSmtp(port, drop)

    yield start
    for controller in controllers:
        controller.stop()


@pytest.fixture
def closed_port() -> int:
    return free_port()


def alert_context() -> AlertContext:
    return AlertContext(
        kind=NotificationKind.FIRING,
        target_code="xd.procedures-online",
        title_vi="Sở Xây dựng số hóa thủ tục hành chính",
        title_en="Construction department digitises procedures",
        indicator_name_vi="Tỷ lệ thủ tục được số hóa",
        indicator_name_en="Procedures digitised",
        unit=Unit.PERCENT,
        scope_code="so-xd",
        scope_name_vi="Sở Xây dựng",
        scope_name_en="Department of Construction",
        status=RiskStatus.OFF_TRACK,
        severity=Severity.CRITICAL,
        current_value=36.82,
        observed_at=datetime(2023, 6, 30, 7, 5, tzinfo=UTC),
        target_value=100.0,
        deadline=date(2023, 9, 30),
        observed_rate=0.05,
        required_rate=0.7,
        grafana_url="https://grafana.ioc.example/d/targets",
        ack_url="https://ioc.example/alerts/ack/42?token=t",
    )


@pytest.fixture
def leader() -> Recipient:
    return Recipient(
        id="chu-tich-ubnd",
        name="Võ Văn Minh",
        role_vi="Chủ tịch UBND tỉnh",
        email="chutich@binhduong.example.vn",
        telegram_chat_id="123456789",
        zalo_user_id="8189000477219660231",
    )


@pytest.fixture
def outgoing() -> Callable[..., OutgoingMessage]:
    def make(*, chart: bool = False, language: Language = Language.VI) -> OutgoingMessage:
        context = alert_context()
        return OutgoingMessage(
            rendered=render(context, language, with_chart=chart),
            notification_id="6d2f8a52-2f1e-4c43-9d0b-2b1f3f5b7a10",
            alert_id="alert-42",
            language=language,
            chart_png=PNG if chart else None,
            contexts=(context,),
        )

    return make
