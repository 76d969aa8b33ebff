"""The deliver flow's use case on the real database, through the real webhook channel to
a local receiver that verifies each request with the stock Standard Webhooks library:
what is due is claimed, composed from the state at sending time, sent and recorded."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from prometheus_client import CollectorRegistry
from pydantic import SecretStr
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from ioc_alerts.adapters.catalog import load_alerting_catalog
from ioc_alerts.deliver.context_builder import LinkSettings
from ioc_alerts.deliver.dispatcher import Dispatcher
from ioc_alerts.metrics import AlertMetrics
from ioc_alerts.notify.retry import RetryPolicy
from ioc_alerts.notify.webhook import WebhookChannel, WebhookSettings
from ioc_storage.catalog_cache import CatalogCache

pytestmark = pytest.mark.connected

SECRET = "whsec_" + base64.b64encode(b"the-department-of-construction!!").decode()
TARGET = "dvc.ontime-95"
NOW = datetime.now(UTC).replace(microsecond=0)


def verifying(answer: tuple[int, dict[str, str], bytes]) -> Callable[[Any], Any]:
    """A department's receiver: refuses what the stock library does not verify."""

    def respond(request: Any) -> Any:
        try:
            Webhook(SECRET).verify(request.body, request.headers)
        except WebhookVerificationError as refused:
            return 401, {}, str(refused).encode()
        return answer

    return respond


@pytest.fixture
async def dispatch(
    alerts_pool: asyncpg.Pool,
) -> AsyncIterator[Callable[[str], Dispatcher]]:
    """A dispatcher with only the webhook channel, towards `url`."""
    channels: list[WebhookChannel] = []

    def make(url: str) -> Dispatcher:
        settings = WebhookSettings(url=url, secret=SecretStr(SECRET), allow_hosts=("127.0.0.1",))
        channels.append(WebhookChannel(settings))
        return Dispatcher(
            pool=alerts_pool,
            catalog=CatalogCache(alerts_pool, load_alerting_catalog, refresh_seconds=60).current,
            channels={"webhook": channels[-1]},
            links=LinkSettings("http://127.0.0.1:1", b"k" * 32, None),
            retry=RetryPolicy(base_delay=timedelta(minutes=1)),
            metrics=AlertMetrics.create(CollectorRegistry()),
            clock=lambda: NOW,
        )

    yield make
    for channel in channels:
        await channel.aclose()


async def _attempts(pool: asyncpg.Pool, notification: Any) -> list[dict[str, Any]]:
    rows = await pool.fetch(
        "SELECT attempt, outcome, status_code, error FROM ioc.notification_attempts "
        "WHERE notification_id = $1 ORDER BY attempt",
        notification,
    )
    return [dict(row) for row in rows]


async def test_a_due_webhook_is_sent_signed_with_the_state_at_sending_time(
    alerts_pool: asyncpg.Pool, decided: Any, http_server: Any, dispatch: Any
) -> None:
    server = http_server(verifying((204, {}, b"")))
    alert = await decided.alert(TARGET, current_value=40.0, opened_at=NOW - timedelta(days=2))
    await decided.status(TARGET, current_value=52.5, at=NOW - timedelta(hours=3))
    note = await decided.notification(alert, recipient=None, channel="webhook", due=NOW)
    dispatcher = dispatch(f"{server.base_url}/hooks/ioc")

    assert await dispatcher.dispatch_due() == 1
    await dispatcher.drain()

    [request] = server.requests
    assert request.header("webhook-id") == str(note)
    body = json.loads(request.body)
    assert body["alert_id"] == str(alert)
    [shown] = body["alerts"]
    assert shown["current"]["value"] == 52.5  # the newest status, not the value that fired
    status = await alerts_pool.fetchval("SELECT status FROM ioc.notifications WHERE id = $1", note)
    assert status == "sent"
    assert await _attempts(alerts_pool, note) == [
        {"attempt": 1, "outcome": "sent", "status_code": 204, "error": None}
    ]


async def test_a_refused_or_failing_receiver_is_recorded_and_retried_later(
    alerts_pool: asyncpg.Pool, decided: Any, http_server: Any, dispatch: Any
) -> None:
    server = http_server(verifying((503, {"Retry-After": "120"}, b"busy")))
    alert = await decided.alert(TARGET, opened_at=NOW - timedelta(days=2))
    note = await decided.notification(alert, recipient=None, channel="webhook", due=NOW)
    dispatcher = dispatch(f"{server.base_url}/hooks/ioc")

    assert await dispatcher.dispatch_due() == 1
    await dispatcher.drain()

    assert len(server.requests) == 1  # verified (a 401 would say why), then answered 503
    row = await alerts_pool.fetchrow(
        "SELECT status, attempts, next_attempt_at FROM ioc.notifications WHERE id = $1", note
    )
    assert row is not None
    assert (row["status"], row["attempts"]) == ("pending", 1)
    assert row["next_attempt_at"] >= NOW + timedelta(minutes=2)
    [attempt] = await _attempts(alerts_pool, note)
    assert (attempt["outcome"], attempt["status_code"]) == ("retryable", 503)
    assert "busy" in attempt["error"]
    assert await dispatcher.dispatch_due() == 0  # not due again before then


async def test_a_message_superseded_by_the_resolution_is_not_sent(
    alerts_pool: asyncpg.Pool, decided: Any, http_server: Any, dispatch: Any
) -> None:
    server = http_server(verifying((204, {}, b"")))
    alert = await decided.alert(TARGET, state="resolved", opened_at=NOW - timedelta(days=2))
    note = await decided.notification(
        alert, recipient=None, channel="webhook", kind="escalation", due=NOW
    )
    dispatcher = dispatch(f"{server.base_url}/hooks/ioc")

    assert await dispatcher.dispatch_due() == 1
    await dispatcher.drain()

    assert server.requests == []
    row = await alerts_pool.fetchrow("SELECT status FROM ioc.notifications WHERE id = $1", note)
    assert row is not None
    assert row["status"] == "suppressed"
    [attempt] = await _attempts(alerts_pool, note)
    assert (attempt["outcome"], attempt["error"]) == ("permanent", "superseded")
