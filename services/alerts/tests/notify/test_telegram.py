"""Telegram against a local Bot API that checks requests as the documentation states them."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
from pydantic import SecretStr

from ioc_alerts.notify.delivery import DeliveryOutcome, OutgoingMessage
from ioc_alerts.notify.telegram import TelegramChannel, TelegramSettings
from ioc_contracts.catalog import Recipient

TOKEN = "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11"
StartServer = Callable[..., Any]
MakeMessage = Callable[..., OutgoingMessage]


def visible_length(telegram_html: str) -> int:
    """Length after entity parsing, as Telegram counts it (UTF-16 units)."""
    text = html.unescape(re.sub(r"</?[a-z]+>", "", telegram_html))
    return len(text.encode("utf-16-le")) // 2


def bot_api(answer: Callable[[str], Any] | None = None) -> Callable[[Any], Any]:
    """A Bot API stand-in: validates the method's documented fields, then answers."""

    def respond(request: Any) -> Any:
        from_path = re.fullmatch(r"/bot(?P<token>[^/]+)/(?P<method>\w+)", request.path)
        if request.method != "POST" or from_path is None:
            return _error(404, "Not Found")
        if from_path["token"] != TOKEN:
            return _error(401, "Unauthorized")
        method = from_path["method"]
        content_type = request.header("content-type") or ""
        if method == "sendMessage":
            if not content_type.startswith("application/json"):
                return _error(400, "Bad Request: expected JSON")
            body = request.json()
            text = body.get("text", "")
            if not body.get("chat_id") or not 1 <= visible_length(text) <= 4096:
                return _error(400, "Bad Request: message text is empty or too long")
            if body.get("parse_mode") != "HTML":
                return _error(400, "Bad Request: unexpected parse mode")
        elif method == "sendPhoto":
            if not content_type.startswith("multipart/form-data"):
                return _error(400, "Bad Request: a file upload must be multipart/form-data")
            form = request.form()
            photo = form.get("photo")
            if photo is None or photo.filename is None or not photo.data.startswith(b"\x89PNG"):
                return _error(400, "Bad Request: there is no photo in the request")
            if visible_length(form["caption"].text) > 1024:
                return _error(400, "Bad Request: message caption is too long")
            if form["parse_mode"].text != "HTML" or not form["chat_id"].text:
                return _error(400, "Bad Request: chat_id and parse_mode expected")
        else:
            return _error(404, "Not Found")
        if answer is not None:
            return answer(method)
        return _ok({"message_id": 1, "chat": {"id": 123456789, "type": "private"}})

    return respond


def _ok(result: object) -> Any:
    body = json.dumps({"ok": True, "result": result}).encode()
    return 200, {"Content-Type": "application/json"}, body


def _error(code: int, description: str, **parameters: object) -> Any:
    body: dict[str, object] = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return code, {"Content-Type": "application/json"}, json.dumps(body).encode()


def channel(base_url: str, timeout_seconds: float = 5.0) -> TelegramChannel:
    return TelegramChannel(
        TelegramSettings(
            bot_token=SecretStr(TOKEN), base_url=base_url, timeout_seconds=timeout_seconds
        )
    )


async def test_text_goes_by_send_message_as_documented(
    http_server: StartServer, leader: Recipient, outgoing: MakeMessage
) -> None:
    server = http_server(bot_api())

    async with channel(server.base_url) as telegram:
        result = await telegram.send(leader, outgoing())

    assert result.outcome is DeliveryOutcome.SENT, result.detail
    [request] = server.requests
    assert request.path == f"/bot{TOKEN}/sendMessage"
    body = request.json()
    assert body["chat_id"] == "123456789"
    assert body["parse_mode"] == "HTML"
    assert body["link_preview_options"] == {"is_disabled": True}
    assert body["text"].startswith("<b>CẢNH BÁO MỤC TIÊU</b>\n")
    assert "Sở Xây dựng số hóa thủ tục hành chính" in body["text"]


async def test_a_chart_goes_by_send_photo_with_the_caption(
    http_server: StartServer, leader: Recipient, outgoing: MakeMessage
) -> None:
    server = http_server(bot_api())
    message = outgoing(chart=True)

    async with channel(server.base_url) as telegram:
        result = await telegram.send(leader, message)

    assert result.outcome is DeliveryOutcome.SENT, result.detail
    [request] = server.requests
    assert request.path == f"/bot{TOKEN}/sendPhoto"
    form = request.form()
    assert form["photo"].filename == "chart.png"
    assert form["photo"].content_type == "image/png"
    assert form["photo"].data == message.chart_png
    caption = form["caption"].text
    assert visible_length(caption) <= 1024
    # The caption is cut, but the acknowledge link survives the cut.
    assert caption.endswith("Xác nhận đã nhận cảnh báo: https://ioc.example/alerts/ack/42?token=t")


async def test_text_with_markup_characters_is_escaped(
    http_server: StartServer, leader: Recipient, outgoing: MakeMessage
) -> None:
    server = http_server(bot_api())
    async with channel(server.base_url) as telegram:
        await telegram.send(leader, outgoing())
    text = server.requests[0].json()["text"]
    assert "token=t" in text
    assert "&lt;" not in text  # nothing to escape here, and nothing double-escaped


async def test_flood_control_is_retryable_after_the_given_time(
    http_server: StartServer, leader: Recipient, outgoing: MakeMessage
) -> None:
    server = http_server(
        bot_api(lambda _: _error(429, "Too Many Requests: retry after 17", retry_after=17))
    )

    async with channel(server.base_url) as telegram:
        result = await telegram.send(leader, outgoing())

    assert result.outcome is DeliveryOutcome.RETRYABLE
    assert result.status_code == 429
    assert result.retry_after == timedelta(seconds=17)


async def test_a_bad_request_is_permanent(
    http_server: StartServer, leader: Recipient, outgoing: MakeMessage
) -> None:
    server = http_server(bot_api(lambda _: _error(400, "Bad Request: chat not found")))

    async with channel(server.base_url) as telegram:
        result = await telegram.send(leader, outgoing())

    assert result.outcome is DeliveryOutcome.PERMANENT
    assert result.status_code == 400
    assert "chat not found" in result.detail


async def test_a_wrong_token_is_permanent_and_never_logged(
    http_server: StartServer, leader: Recipient, outgoing: MakeMessage
) -> None:
    server = http_server(bot_api())
    settings = TelegramSettings(bot_token=SecretStr("999:wrong"), base_url=server.base_url)

    async with TelegramChannel(settings) as wrong:
        result = await wrong.send(leader, outgoing())

    assert result.outcome is DeliveryOutcome.PERMANENT
    assert result.status_code == 401


async def test_a_server_error_is_retryable(
    http_server: StartServer, leader: Recipient, outgoing: MakeMessage
) -> None:
    server = http_server(bot_api(lambda _: _error(500, "Internal Server Error")))
    async with channel(server.base_url) as telegram:
        result = await telegram.send(leader, outgoing())
    assert result.outcome is DeliveryOutcome.RETRYABLE
    assert result.status_code == 500


async def test_a_proxy_error_page_is_read_by_its_status(
    http_server: StartServer, leader: Recipient, outgoing: MakeMessage
) -> None:
    server = http_server(lambda _: (502, {"Content-Type": "text/html"}, b"<h1>Bad Gateway</h1>"))
    async with channel(server.base_url) as telegram:
        result = await telegram.send(leader, outgoing())
    assert result.outcome is DeliveryOutcome.RETRYABLE
    assert result.status_code == 502


async def test_no_answer_in_time_is_retryable(
    http_server: StartServer, leader: Recipient, outgoing: MakeMessage
) -> None:
    def never(request: Any) -> Any:
        server.release.wait(5)  # bounded: the server is released at teardown
        return _ok({})

    server = http_server(never)
    async with channel(server.base_url, timeout_seconds=0.3) as telegram:
        result = await telegram.send(leader, outgoing())
    assert result.outcome is DeliveryOutcome.RETRYABLE
    assert result.detail.startswith("timeout")


async def test_server_down_is_retryable_and_the_token_stays_out_of_the_detail(
    closed_port: int, leader: Recipient, outgoing: MakeMessage
) -> None:
    async with channel(f"http://127.0.0.1:{closed_port}") as telegram:
        result = await telegram.send(leader, outgoing())
    assert result.outcome is DeliveryOutcome.RETRYABLE
    assert TOKEN not in result.detail


async def test_a_recipient_without_chat_id_is_permanent(outgoing: MakeMessage) -> None:
    nobody = Recipient(id="ban-tiep-dan", name="Ban Tiếp dân", role_vi="Ban Tiếp công dân")
    async with channel("http://127.0.0.1:9") as telegram:
        result = await telegram.send(nobody, outgoing())
    assert result.outcome is DeliveryOutcome.PERMANENT


def test_the_default_is_the_official_api_host() -> None:
    assert TelegramSettings(bot_token=SecretStr(TOKEN)).base_url == "https://api.telegram.org"
    assert (
        httpx.URL(TelegramSettings(bot_token=SecretStr(TOKEN)).base_url).host == "api.telegram.org"
    )
