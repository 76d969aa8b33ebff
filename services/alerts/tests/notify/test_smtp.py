from __future__ import annotations

from collections.abc import Callable
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

import pytest

from ioc_alerts.notify.delivery import DeliveryOutcome, OutgoingMessage
from ioc_alerts.notify.smtp import EmailChannel, SmtpSettings
from ioc_contracts.catalog import Recipient

StartSmtp = Callable[..., Any]
MakeMessage = Callable[..., OutgoingMessage]


def settings_for(port: int) -> SmtpSettings:
    return SmtpSettings(
        host="127.0.0.1",
        port=port,
        starttls=False,
        from_address="canhbao@ioc.binhduong.example.vn",
        timeout_seconds=5,
    )


def parse(raw: bytes) -> EmailMessage:
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    return message


async def test_email_reaches_a_real_smtp_server_with_both_forms_and_the_chart(
    smtp_server: StartSmtp, leader: Recipient, outgoing: MakeMessage
) -> None:
    server = smtp_server()
    drop = server.drop
    message = outgoing(chart=True)

    result = await EmailChannel(settings_for(server.port)).send(leader, message)

    assert result.outcome is DeliveryOutcome.SENT, result.detail
    assert result.status_code == 250
    [envelope] = drop.received
    assert envelope.mail_from == "canhbao@ioc.binhduong.example.vn"
    assert envelope.rcpt_tos == ["chutich@binhduong.example.vn"]
    assert isinstance(envelope.content, bytes)
    received = parse(envelope.content)
    assert received["Subject"] == message.rendered.subject
    assert received["Subject"].startswith("[Cảnh báo · khẩn cấp] Chậm tiến độ: Sở Xây dựng")
    assert received["To"].addresses[0].display_name == "Võ Văn Minh"
    assert received["Message-ID"] == (
        "<6d2f8a52-2f1e-4c43-9d0b-2b1f3f5b7a10@ioc.binhduong.example.vn>"
    )
    assert received["Auto-Submitted"] == "auto-generated"
    assert received.get_content_type() == "multipart/alternative"
    plain, related = received.iter_parts()
    assert plain.get_content_type() == "text/plain"
    assert "Xác nhận đã nhận cảnh báo: https://ioc.example/alerts/ack/42?token=t" in (
        plain.get_content()
    )
    assert related.get_content_type() == "multipart/related"
    html, image = related.iter_parts()
    assert html.get_content_type() == "text/html"
    assert '<img src="cid:chart"' in html.get_content()
    assert image.get_content_type() == "image/png"
    assert image["Content-ID"] == "<chart>"
    assert image.get_filename() == "chart.png"
    assert image.get_content() == message.chart_png


async def test_a_rejected_recipient_is_permanent(
    smtp_server: StartSmtp, leader: Recipient, outgoing: MakeMessage
) -> None:
    server = smtp_server(rcpt_reply="550 5.1.1 No such mailbox")

    result = await EmailChannel(settings_for(server.port)).send(leader, outgoing())

    assert result.outcome is DeliveryOutcome.PERMANENT
    assert result.status_code == 550


async def test_a_temporary_refusal_is_retryable(
    smtp_server: StartSmtp, leader: Recipient, outgoing: MakeMessage
) -> None:
    server = smtp_server(data_reply="451 4.3.0 Try again later")

    result = await EmailChannel(settings_for(server.port)).send(leader, outgoing())

    assert result.outcome is DeliveryOutcome.RETRYABLE
    assert result.status_code == 451


async def test_starttls_required_but_not_offered_is_permanent(
    smtp_server: StartSmtp, leader: Recipient, outgoing: MakeMessage
) -> None:
    server = smtp_server()  # offers no STARTTLS
    settings = settings_for(server.port).model_copy(update={"starttls": True})

    result = await EmailChannel(settings).send(leader, outgoing())

    assert result.outcome is DeliveryOutcome.PERMANENT
    assert "STARTTLS" in result.detail
    assert server.drop.received == []


async def test_server_down_is_retryable(
    closed_port: int, leader: Recipient, outgoing: MakeMessage
) -> None:
    result = await EmailChannel(settings_for(closed_port)).send(leader, outgoing())

    assert result.outcome is DeliveryOutcome.RETRYABLE
    assert result.status_code is None


async def test_a_recipient_without_email_is_permanent(outgoing: MakeMessage) -> None:
    nobody = Recipient(id="pho-chu-tich", name="Phó Chủ tịch", role_vi="Phó Chủ tịch UBND tỉnh")
    result = await EmailChannel(settings_for(1)).send(nobody, outgoing())
    assert result.outcome is DeliveryOutcome.PERMANENT


def test_tls_modes_exclude_each_other() -> None:
    with pytest.raises(ValueError, match="either tls"):
        SmtpSettings(host="smtp", tls=True, starttls=True, from_address="a@b.vn")
