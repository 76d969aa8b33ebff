"""Signed webhooks against a local receiver that verifies them with the stock Standard
Webhooks library, as a department would."""

from __future__ import annotations

import base64
import json
import socket
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from ipaddress import ip_address
from typing import Any

import pytest
from pydantic import SecretStr, ValidationError
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from ioc_alerts.notify.delivery import DeliveryOutcome, OutgoingMessage
from ioc_alerts.notify.ssrf import IPAddress
from ioc_alerts.notify.webhook import (
    ID_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    WebhookChannel,
    WebhookSettings,
    signature,
    signing_key,
)
from ioc_contracts.catalog import Recipient

KEY = b"a-department-shared-key-of-32-by"
SECRET = "whsec_" + base64.b64encode(KEY).decode()
NOW = datetime(2023, 6, 30, 7, 5, tzinfo=UTC)
StartServer = Callable[..., Any]
MakeMessage = Callable[..., OutgoingMessage]


def receiver(expected_host: str, answer: Any = None) -> Callable[[Any], Any]:
    """A department's receiver: the stock library checks signature, id and freshness."""

    def respond(request: Any) -> Any:
        try:
            Webhook(SECRET).verify(request.body, request.headers)
        except WebhookVerificationError:
            return 401, {}, b"bad signature"
        if request.header("host") != expected_host:
            return 400, {}, b"wrong host"
        if not (request.header("content-type") or "").startswith("application/json"):
            return 415, {}, b"json expected"
        return answer or (204, {}, b"")

    return respond


def webhook(url: str, *, allow: tuple[str, ...] = ("127.0.0.1",), **options: Any) -> WebhookChannel:
    settings = WebhookSettings(
        url=url, secret=SecretStr(SECRET), allow_hosts=allow, timeout_seconds=5
    )
    # The real clock: the stock library refuses a timestamp five minutes off its own.
    return WebhookChannel(settings, **options)


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
    assert request.header(ID_HEADER) == message.notification_id
    signed_at = datetime.fromtimestamp(int(request.header(TIMESTAMP_HEADER) or "0"), UTC)
    assert abs(datetime.now(UTC) - signed_at) < timedelta(minutes=1)
    assert (request.header(SIGNATURE_HEADER) or "").startswith("v1,")
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


def test_the_signature_is_the_specifications_and_tampering_fails_the_stock_check() -> None:
    body = json.dumps({"a": 1}).encode()
    timestamp = str(int(datetime.now(UTC).timestamp()))
    good = signature(KEY, "msg_1", timestamp, body)
    headers = {ID_HEADER: "msg_1", TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: good}

    assert good == Webhook(SECRET).sign("msg_1", datetime.fromtimestamp(int(timestamp), UTC), body)
    assert Webhook(SECRET).verify(body, headers) == {"a": 1}
    for tampered in (
        {**headers, ID_HEADER: "msg_2"},  # the id is signed: no replay under another id
        {**headers, TIMESTAMP_HEADER: str(int(timestamp) + 60)},  # nor under a fresh time
    ):
        with pytest.raises(WebhookVerificationError):
            Webhook(SECRET).verify(body, tampered)
    with pytest.raises(WebhookVerificationError):
        Webhook(SECRET).verify(body + b" ", headers)
    old = str(int((datetime.now(UTC) - timedelta(minutes=6)).timestamp()))
    with pytest.raises(WebhookVerificationError):
        Webhook(SECRET).verify(
            body,
            {
                **headers,
                TIMESTAMP_HEADER: old,
                SIGNATURE_HEADER: signature(KEY, "msg_1", old, body),
            },
        )


@pytest.mark.parametrize(
    "secret",
    [
        "a-long-shared-webhook-secret",  # the old free-form secrets
        "whsec_not base64!",
        "whsec_" + base64.b64encode(b"too short").decode(),
        "whsec_" + base64.b64encode(bytes(65)).decode(),
    ],
)
def test_a_secret_not_in_the_specifications_form_is_refused_without_echoing_it(
    secret: str,
) -> None:
    with pytest.raises(ValidationError) as refused:
        WebhookSettings(url="https://hooks.sxd.example/in", secret=SecretStr(secret))
    assert "whsec_" in str(refused.value)
    assert secret not in str(refused.value)
    assert signing_key(SECRET) == KEY


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
