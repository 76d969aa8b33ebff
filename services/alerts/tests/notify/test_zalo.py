"""Zalo against a local OpenAPI that checks the v3 "cs" message request as documented."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from pydantic import SecretStr

from ioc_alerts.messages.rendered import RenderedMessage
from ioc_alerts.notify.delivery import DeliveryOutcome, OutgoingMessage
from ioc_alerts.notify.zalo import ZaloChannel, ZaloSettings
from ioc_contracts.catalog import Recipient

ACCESS_TOKEN = "oa-access-token-for-tests"
StartServer = Callable[..., Any]
MakeMessage = Callable[..., OutgoingMessage]


def _zalo(error: int, message: str, **extra: object) -> Any:
    # Zalo answers HTTP 200 whatever happened; the outcome is in "error".
    body = json.dumps({"error": error, "message": message, **extra}).encode()
    return 200, {"Content-Type": "application/json"}, body


def oa_api(answer: Callable[[], Any] | None = None) -> Callable[[Any], Any]:
    def respond(request: Any) -> Any:
        if request.method != "POST" or request.path != "/v3.0/oa/message/cs":
            return 404, {"Content-Type": "text/plain"}, b"You currently access to an empty api"
        if request.header("access_token") != ACCESS_TOKEN:
            return _zalo(-124, "Access token is invalid")
        if not (request.header("content-type") or "").startswith("application/json"):
            return _zalo(-201, "Parameters are invalid")
        body = request.json()
        text = body.get("message", {}).get("text")
        if set(body) != {"recipient", "message"} or set(body["recipient"]) != {"user_id"}:
            return _zalo(-201, "Parameters are invalid")
        if not isinstance(text, str) or not 0 < len(text) <= 2000:
            return _zalo(-201, "Text length is invalid")
        if answer is not None:
            return answer()
        return _zalo(0, "Success", data={"message_id": "f1b4a", "user_id": "8189000477219660231"})

    return respond


def channel(base_url: str, token: str = ACCESS_TOKEN) -> ZaloChannel:
    return ZaloChannel(
        ZaloSettings(access_token=SecretStr(token), base_url=base_url, timeout_seconds=5)
    )


async def test_text_message_is_sent_as_documented(
    http_server: StartServer, leader: Recipient, outgoing: MakeMessage
) -> None:
    server = http_server(oa_api())

    async with channel(server.base_url) as zalo:
        result = await zalo.send(leader, outgoing())

    assert result.outcome is DeliveryOutcome.SENT, result.detail
    [request] = server.requests
    assert request.json()["recipient"] == {"user_id": "8189000477219660231"}
    assert request.json()["message"]["text"].startswith("CẢNH BÁO MỤC TIÊU\n")


async def test_a_long_text_is_cut_to_2000_characters_keeping_the_links(
    http_server: StartServer, leader: Recipient, outgoing: MakeMessage
) -> None:
    server = http_server(oa_api())
    base = outgoing()
    long_body = "Chi tiết: " + "số liệu từng tháng; " * 300
    footer = base.rendered.footer
    rendered = RenderedMessage(
        subject=base.rendered.subject,
        text=f"{long_body}\n\n{footer}",
        html=base.rendered.html,
        footer=footer,
    )

    async with channel(server.base_url) as zalo:
        result = await zalo.send(leader, replace(base, rendered=rendered))

    assert result.outcome is DeliveryOutcome.SENT, result.detail
    text = server.requests[0].json()["message"]["text"]
    assert len(text) <= 2000
    assert f"…\n\n{footer}" in text
    assert text.endswith("Xác nhận đã nhận cảnh báo: https://ioc.example/alerts/ack/42?token=t")


async def test_an_invalid_token_is_permanent(
    http_server: StartServer, leader: Recipient, outgoing: MakeMessage
) -> None:
    server = http_server(oa_api())

    async with channel(server.base_url, token="expired") as zalo:
        result = await zalo.send(leader, outgoing())

    assert result.outcome is DeliveryOutcome.PERMANENT
    assert result.status_code == -124
    assert "Access token is invalid" in result.detail


async def test_the_rate_limit_code_is_retryable(
    http_server: StartServer, leader: Recipient, outgoing: MakeMessage
) -> None:
    server = http_server(oa_api(lambda: _zalo(-32, "Exceeded the request rate limit")))

    async with channel(server.base_url) as zalo:
        result = await zalo.send(leader, outgoing())

    assert result.outcome is DeliveryOutcome.RETRYABLE
    assert result.status_code == -32


async def test_a_user_outside_the_interaction_window_is_permanent(
    http_server: StartServer, leader: Recipient, outgoing: MakeMessage
) -> None:
    server = http_server(oa_api(lambda: _zalo(-230, "User has not interacted with the OA")))

    async with channel(server.base_url) as zalo:
        result = await zalo.send(leader, outgoing())

    assert result.outcome is DeliveryOutcome.PERMANENT


async def test_http_429_and_5xx_are_retryable(
    http_server: StartServer, leader: Recipient, outgoing: MakeMessage
) -> None:
    busy = http_server(lambda _: (429, {"Retry-After": "30"}, b"slow down"))
    broken = http_server(lambda _: (503, {}, b"maintenance"))

    async with channel(busy.base_url) as zalo:
        throttled = await zalo.send(leader, outgoing())
    async with channel(broken.base_url) as zalo:
        unavailable = await zalo.send(leader, outgoing())

    assert throttled.outcome is DeliveryOutcome.RETRYABLE
    assert throttled.retry_after is not None
    assert throttled.retry_after.total_seconds() == 30
    assert unavailable.outcome is DeliveryOutcome.RETRYABLE
    assert unavailable.status_code == 503


async def test_server_down_is_retryable(
    closed_port: int, leader: Recipient, outgoing: MakeMessage
) -> None:
    async with channel(f"http://127.0.0.1:{closed_port}") as zalo:
        result = await zalo.send(leader, outgoing())
    assert result.outcome is DeliveryOutcome.RETRYABLE


async def test_a_recipient_without_zalo_is_permanent(outgoing: MakeMessage) -> None:
    nobody = Recipient(id="so-xd", name="Sở Xây dựng", role_vi="Giám đốc Sở")
    async with channel("http://127.0.0.1:9") as zalo:
        result = await zalo.send(nobody, outgoing())
    assert result.outcome is DeliveryOutcome.PERMANENT


def test_the_default_is_zalo_openapi() -> None:
    assert ZaloSettings(access_token=SecretStr("t")).base_url == "https://openapi.zalo.me"
