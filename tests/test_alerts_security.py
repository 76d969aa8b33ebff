"""The alert service at its door: links that need a person, credentials of any shape,
and clients that keep failing. The real process, on a database of the test's own."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import pytest

from ioc_alerts.lifecycle.ack_links import ack_url
from ioc_testing import ScratchDatabase
from ioc_testing.alert_service import ACK_SECRET, AlertsLauncher, firing_alerts
from ioc_testing.browser import CHROMIUM, chromium_page, rendered_by_link_scanner
from ioc_testing.pipeline import ServiceProcess

pytestmark = pytest.mark.connected

TOKEN = "test-operator-token-0123456789"
LEADER = "chu-tich-ubnd"


@pytest.fixture
def alerts(launch_alerts: AlertsLauncher) -> ServiceProcess:
    return launch_alerts.ready(
        # The schedule would judge the real catalog meanwhile: out of this test's way.
        IOC_ALERTS_EVALUATE_EVERY_SECONDS="3600",
        IOC_FAILED_ATTEMPTS_PER_MINUTE="6",
        IOC_FAILED_ATTEMPTS_BURST="5",
    )


async def _state(database: ScratchDatabase, alert_id: uuid.UUID) -> str:
    connection = await asyncpg.connect(database.dsns["reader"])
    try:
        state: str = await connection.fetchval(
            "SELECT state FROM ioc.alerts WHERE id = $1", alert_id
        )
        return state
    finally:
        await connection.close()


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium package is not installed")
async def test_a_scanner_rendering_the_link_acknowledges_nothing_and_a_click_does_once(
    alerts: ServiceProcess, catalog_database: ScratchDatabase
) -> None:
    (alert_id,) = await firing_alerts(catalog_database)
    link = ack_url(
        alerts.url, ACK_SECRET, alert_id, LEADER, expires_at=datetime.now(UTC) + timedelta(days=3)
    )
    # A mail gateway's headless browser loads the link and runs whatever it holds.
    rendered = await asyncio.to_thread(rendered_by_link_scanner, link)
    assert "Tôi đã nhận cảnh báo này" in rendered
    assert await _state(catalog_database, alert_id) == "firing"

    async with httpx.AsyncClient(timeout=30) as client:
        page = await client.get(link)
        assert page.status_code == 200
        assert "<script" not in page.text
        assert "script-src" not in page.headers["content-security-policy"]  # default-src 'none'
        assert page.headers["referrer-policy"] == "no-referrer"
        # A scanner that replays the link as a bare POST: still only the page.
        replay = await client.post(link)
        assert replay.status_code == 200
        assert "Tôi đã nhận cảnh báo này" in replay.text
    assert await _state(catalog_database, alert_id) == "firing"

    # A person: the browser opens the link and the mouse presses the button.
    async with chromium_page() as browser:
        await browser.open(link)
        await browser.click("button")
        await browser.loaded()
        first = await browser.html()
        await browser.open(link)  # opened again later, from the same mail
        second = await browser.html()
    assert "Đã xác nhận cảnh báo" in first
    assert "Cảm ơn" in first
    assert "đã được xác nhận trước đó" in second
    assert await _state(catalog_database, alert_id) == "acknowledged"
    reader = await asyncpg.connect(catalog_database.dsns["reader"])
    try:
        changes = await reader.fetchval(
            "SELECT count(*) FROM ioc.alert_outbox WHERE alert_id = $1 "
            "AND payload->>'state' = 'acknowledged'",
            alert_id,
        )
    finally:
        await reader.close()
    assert changes == 1


async def test_an_expired_link_says_so_and_acknowledges_nothing(
    alerts: ServiceProcess, catalog_database: ScratchDatabase
) -> None:
    (alert_id,) = await firing_alerts(catalog_database)
    link = ack_url(
        alerts.url, ACK_SECRET, alert_id, LEADER, expires_at=datetime.now(UTC) - timedelta(hours=1)
    )
    async with httpx.AsyncClient(timeout=30) as client:
        opened = await client.get(link)
        pressed = await client.post(link, data={"xac_nhan": "1"})
    assert opened.status_code == 410
    assert "hết hạn" in opened.text
    assert pressed.status_code == 410
    assert await _state(catalog_database, alert_id) == "firing"


@pytest.mark.parametrize(
    "authorization",
    ["Bearer été".encode(), b"Bearer \xff\xfe", "Bearer 🙂".encode(), b"Basic", b"Bearer"],
)
async def test_credentials_of_any_shape_are_401_never_500(
    alerts: ServiceProcess, authorization: bytes
) -> None:
    async with httpx.AsyncClient(base_url=alerts.url, timeout=30) as client:
        answer = await client.get("/v1/alerts", headers={b"Authorization": authorization})
    assert answer.status_code == 401, answer.text


async def test_a_link_token_of_any_shape_is_refused_not_an_error(
    alerts: ServiceProcess,
) -> None:
    alert_id = uuid.uuid4()
    async with httpx.AsyncClient(base_url=alerts.url, timeout=30) as client:
        for query in ("r=x&t=%C3%A9", "r=%C3%A9&e=%C3%A9&t=%FF", "r=x&e=99999999999999999&t=a"):
            answer = await client.get(f"/ack/{alert_id}?{query}")
            assert answer.status_code == 403, (query, answer.status_code)


async def test_an_address_that_keeps_failing_is_refused_before_anything_is_looked_up(
    alerts: ServiceProcess,
) -> None:
    async with httpx.AsyncClient(base_url=alerts.url, timeout=30) as client:
        codes = [
            (await client.get("/v1/alerts", headers={"Authorization": "Bearer wrong"})).status_code
            for _ in range(8)
        ]
        refused = await client.get("/v1/alerts", headers={"Authorization": f"Bearer {TOKEN}"})
    assert codes[:5] == [401] * 5
    assert codes[-1] == 429
    # Even the right token waits: the address is cooling down.
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1


async def test_a_link_with_a_parameter_given_twice_is_refused_and_tracking_ones_are_not(
    alerts: ServiceProcess, catalog_database: ScratchDatabase
) -> None:
    """A signed link's recipient, expiry or token given twice would be read as its last
    value while a mail gateway or the access log shows the first: not the link signed. A
    parameter a mail gateway appends to the links it rewrites (even twice) changes
    nothing."""
    (alert_id,) = await firing_alerts(catalog_database)
    link = ack_url(
        alerts.url, ACK_SECRET, alert_id, LEADER, expires_at=datetime.now(UTC) + timedelta(days=3)
    )
    query = dict(part.split("=", 1) for part in link.split("?", 1)[1].split("&"))
    async with httpx.AsyncClient(timeout=30) as client:
        twice = {
            name: await client.get(f"{link}&{name}={value}")
            for name, value in (("r", "giam-doc-so-xd"), ("e", query["e"]), ("t", query["t"]))
        }
        pressed_twice = await client.post(f"{link}&r={LEADER}", data={"xac_nhan": "1"})
        assert await _state(catalog_database, alert_id) == "firing"
        tracked = f"{link}&utm_source=mail&utm_medium=email&utm_source=gateway"
        opened = await client.get(tracked)
        pressed = await client.post(tracked, data={"xac_nhan": "1"})
    assert {name: a.status_code for name, a in twice.items()} == {"r": 403, "e": 403, "t": 403}
    assert pressed_twice.status_code == 403
    assert opened.status_code == 200, opened.text
    assert "Tôi đã nhận cảnh báo này" in opened.text
    assert pressed.status_code == 200, pressed.text
    assert await _state(catalog_database, alert_id) == "acknowledged"


async def test_two_different_tokens_in_repeated_headers_are_refused(
    alerts: ServiceProcess,
) -> None:
    """The scheme reads the first `Authorization`, a proxy may check the other: two
    different tokens are nobody's, whichever comes first."""
    async with httpx.AsyncClient(base_url=alerts.url, timeout=30) as client:

        async def alerts_with(*tokens: str) -> httpx.Response:
            headers = [("Authorization", f"Bearer {token}") for token in tokens]
            return await client.get("/v1/alerts", headers=headers)

        right_first = await alerts_with(TOKEN, "wrong-token-0123456789")
        right_last = await alerts_with("wrong-token-0123456789", TOKEN)
        same_twice = await alerts_with(TOKEN, TOKEN)
    assert (right_first.status_code, right_last.status_code) == (401, 401)
    assert "two different tokens were sent" in right_first.json()["detail"]
    assert same_twice.status_code == 200, same_twice.text
