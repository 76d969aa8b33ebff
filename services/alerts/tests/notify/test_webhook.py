"""Signed webhooks against a local receiver that verifies what it is sent."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from ipaddress import ip_address
from typing import Any

import pytest
from pydantic import SecretStr

from ioc_alerts.notify.delivery import DeliveryOutcome, OutgoingMessage
from ioc_alerts.notify.ssrf import IPAddress
from ioc_alerts.notify.webhook import (
    DELIVERY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    WebhookChannel,
    WebhookSettings,
    signature,
    verify_signature,
)
from ioc_contracts.catalog import Recipient

SECRET = "a-long-shared-webhook-secret"
NOW = datetime(2023, 6, 30, 7, 5, tzinfo=UTC)
StartServer = Callable[..., Any]
MakeMessage = Callable[..., OutgoingMessage]


def receiver(expected_host: str, answer: Any = None) -> Callable[[Any], Any]:
    """A receiver that checks signature, freshness and headers the way ours documents them."""

    def respond(request: Any) -> Any:
        timestamp = request.header(TIMESTAMP_HEADER) or ""
        header = request.header(SIGNATURE_HEADER) or ""
        if not verify_signature(SECRET, timestamp, request.body, header, now=NOW):
            return 401, {}, b"bad signature"
        if request.header("host") != expected_host or not request.header(DELIVERY_HEADER):
            return 400, {}, b"missing headers"
        if not (request.header("content-type") or "").startswith("application/json"):
            return 415, {}, b"json expected"
        return answer or (204, {}, b"")

    return respond


def webhook(url: str, *, allow: tuple[str, ...] = ("127.0.0.1",), **options: Any) -> WebhookChannel:
    settings = WebhookSettings(
        url=url, secret=SecretStr(SECRET), allow_hosts=allow, timeout_seconds=5
    )
    return WebhookChannel(settings, clock=lambda: NOW, **options)


async def test_a_signed_delivery_reaches_an_allow_listed_receiver(
    http_server: StartServer, leader: Recipient, outgoing: MakeMessage
) -> None:
    server = http_server(lambda _: (503, {}, b"not ready"))
    server.responder = receiver(f"127.0.0.1:{server.port}")  # the port is known only now
    message = outgoing()

    async with webhook(f"{server.base_url}/hooks/ioc") as channel:
        result = await channel.send(leader, message)

    assert result.outcome is DeliveryOutcome.SENT, result.detail
    [request] = server.requests
    assert request.path == "/hooks/ioc"
    assert request.header(DELIVERY_HEADER) == message.notification_id
    assert request.header(TIMESTAMP_HEADER) == str(int(NOW.timestamp()))
    body = request.json()
    assert body["delivery_id"] == message.notification_id
    assert body["alert_id"] == "alert-42"
    assert body["recipient"] == "chu-tich-ubnd"
    assert body["message"]["text"] == message.rendered.text
    [alert] = body["alerts"]
    assert alert["status"] == "off_track"
    assert alert["target"]["deadline"] == "2023-09-30"
    assert alert["current"] == {"value": 36.82, "observed_at": "2023-06-30T07:05:00+00:00"}
    assert "Sở Xây dựng" in request.body.decode("utf-8")  # UTF-8, not \\u escapes


async def test_the_connection_goes_to_the_checked_address_under_the_real_name(
    http_server: StartServer, leader: Recipient, outgoing: MakeMessage
) -> None:
    server = http_server(lambda _: (503, {}, b"not ready"))
    server.responder = receiver(f"hooks.sxd.example:{server.port}")

    async def resolve(host: str, port: int) -> list[IPAddress]:
        assert host == "hooks.sxd.example"
        return [ip_address("127.0.0.1")]

    url = f"http://hooks.sxd.example:{server.port}/in"
    async with webhook(url, allow=("hooks.sxd.example",), resolver=resolve) as channel:
        result = await channel.send(leader, outgoing())

    # The name was never resolved again by the HTTP client: it only knew 127.0.0.1.
    assert result.outcome is DeliveryOutcome.SENT, result.detail


async def test_an_internal_url_is_refused_without_a_request(
    http_server: StartServer, leader: Recipient, outgoing: MakeMessage
) -> None:
    server = http_server(lambda _: (204, {}, b""))

    async with webhook(f"{server.base_url}/hook", allow=()) as channel:
        result = await channel.send(leader, outgoing())

    assert result.outcome is DeliveryOutcome.PERMANENT
    assert "loopback" in result.detail
    assert server.requests == []


async def test_a_redirect_is_not_followed(
    http_server: StartServer, leader: Recipient, outgoing: MakeMessage
) -> None:
    target = "http://169.254.169.254/latest/meta-data/"
    server = http_server(lambda _: (302, {"Location": target}, b""))

    async with webhook(f"{server.base_url}/hook") as channel:
        result = await channel.send(leader, outgoing())

    assert result.outcome is DeliveryOutcome.PERMANENT
    assert result.status_code == 302
    assert len(server.requests) == 1


async def test_receiver_answers_decide_the_outcome(
    http_server: StartServer, leader: Recipient, outgoing: MakeMessage
) -> None:
    cases = [
        ((500, {}, b"oops"), DeliveryOutcome.RETRYABLE, None),
        ((429, {"Retry-After": "120"}, b""), DeliveryOutcome.RETRYABLE, timedelta(minutes=2)),
        ((410, {}, b"gone"), DeliveryOutcome.PERMANENT, None),
        ((400, {}, b"bad"), DeliveryOutcome.PERMANENT, None),
    ]
    for reply, outcome, hint in cases:
        server = http_server(lambda _, reply=reply: reply)
        async with webhook(f"{server.base_url}/hook") as channel:
            result = await channel.send(leader, outgoing())
        assert (result.outcome, result.status_code, result.retry_after) == (
            outcome,
            reply[0],
            hint,
        )


async def test_receiver_down_is_retryable(
    closed_port: int, leader: Recipient, outgoing: MakeMessage
) -> None:
    async with webhook(f"http://127.0.0.1:{closed_port}/hook") as channel:
        result = await channel.send(leader, outgoing())
    assert result.outcome is DeliveryOutcome.RETRYABLE


def test_verify_signature_refuses_tampering_and_old_requests() -> None:
    body = json.dumps({"a": 1}).encode()
    timestamp = str(int(NOW.timestamp()))
    good = signature(SECRET, timestamp, body)

    assert good.startswith("sha256=")
    assert verify_signature(SECRET, timestamp, body, good, now=NOW)
    assert not verify_signature(SECRET, timestamp, body + b" ", good, now=NOW)
    assert not verify_signature("another-secret-of-length", timestamp, body, good, now=NOW)
    later = NOW + timedelta(minutes=6)
    assert not verify_signature(SECRET, timestamp, body, good, now=later)
    assert verify_signature(SECRET, timestamp, body, good, now=later, tolerance=timedelta(hours=1))
    assert not verify_signature(SECRET, "yesterday", body, good, now=NOW)
    # The timestamp is part of what is signed: a fresh time on an old signature fails.
    fresh = str(int(later.timestamp()))
    assert not verify_signature(SECRET, fresh, body, good, now=later)


@pytest.mark.parametrize(
    ("errno", "outcome"),
    [
        (socket.EAI_AGAIN, DeliveryOutcome.RETRYABLE),  # the DNS server did not answer in time
        (socket.EAI_NONAME, DeliveryOutcome.PERMANENT),  # no such name
    ],
)
async def test_a_transient_dns_failure_is_retried_and_a_missing_name_is_not(
    leader: Recipient, outgoing: MakeMessage, errno: int, outcome: DeliveryOutcome
) -> None:
    async def resolve(host: str, port: int) -> list[IPAddress]:
        raise socket.gaierror(errno, "resolver says no")

    async with webhook("https://hooks.sxd.example/hook", resolver=resolve) as channel:
        result = await channel.send(leader, outgoing())

    assert result.outcome is outcome
