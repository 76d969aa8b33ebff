"""The other ends of the dispatcher's sends: a raw TCP receiver playing one HTTP fault,
the real webhook channel pointed at it, and a recorder standing in for email."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from pydantic import SecretStr

from ioc_alerts.notify.delivery import DeliveryResult, OutgoingMessage
from ioc_alerts.notify.webhook import WebhookChannel, WebhookSettings
from ioc_contracts.catalog import Recipient

Behaviour = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
StartReceiver = Callable[[Behaviour], Awaitable["Receiver"]]


@dataclass
class Receiver:
    """A TCP server playing one HTTP fault; counts requests and bytes written."""

    behaviour: Behaviour
    requests: int = 0
    written: int = 0
    server: asyncio.Server | None = None
    handlers: set[asyncio.Task[None]] = field(default_factory=set)

    @property
    def url(self) -> str:
        assert self.server is not None
        port = self.server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}/hook"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self.handlers.add(task)
        try:
            await reader.readuntil(b"\r\n\r\n")
            self.requests += 1
            await self.behaviour(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            writer.close()
            self.handlers.discard(task)

    async def write(self, writer: asyncio.StreamWriter, data: bytes) -> None:
        writer.write(data)
        await writer.drain()
        self.written += len(data)


class RecordingChannel:
    """Stands in for email: answers at once, or raises what it is given."""

    name = "email"

    def __init__(self, raises: Exception | None = None) -> None:
        self.sent: list[tuple[str, float]] = []
        self.raises = raises

    async def send(self, recipient: Recipient, message: OutgoingMessage) -> DeliveryResult:
        if self.raises is not None:
            raise self.raises
        self.sent.append((message.notification_id, time.monotonic()))
        return DeliveryResult.sent(250)


def webhook(url: str, *, timeout: float = 30.0) -> WebhookChannel:
    return WebhookChannel(
        WebhookSettings(
            url=url,
            # A Standard Webhooks secret: whsec_ + base64 of the key.
            secret=SecretStr("whsec_ZmF1bHQtdGVzdC13ZWJob29rLWtleS0wMTIzNDU2Nzg5"),
            allow_hosts=("127.0.0.1",),
            timeout_seconds=timeout,
        )
    )


async def hang(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await asyncio.sleep(3600)
