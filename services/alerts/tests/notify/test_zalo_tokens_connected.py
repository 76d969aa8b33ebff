"""Renewed Zalo tokens against a local Zalo (OAuth v4 and OA API) and the real database.

The stand-in checks every request the way Zalo documents it and, like Zalo, accepts
each refresh token once: reusing a spent one gets error -14014.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

import asyncpg
import pytest
from pydantic import SecretStr

from ioc_alerts.notify.delivery import DeliveryOutcome, DeliveryResult, OutgoingMessage
from ioc_alerts.notify.zalo import ZaloChannel, ZaloSettings
from ioc_alerts.notify.zalo_oauth import ZaloAppSettings
from ioc_alerts.notify.zalo_tokens import StoredZaloTokens
from ioc_contracts.catalog import Recipient
from ioc_storage.migrate import apply_migrations, shipped_migrations
from ioc_testing import ScratchDatabase

pytestmark = pytest.mark.connected

APP_ID = "4318825932017624591"
APP_SECRET = "zalo-app-secret-for-tests"
SEED = "first-refresh-token-from-authorizing-the-oa"
START = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
WAIT_SECONDS = 5.0
StartServer = Callable[..., Any]
MakeMessage = Callable[..., OutgoingMessage]


def _zalo(body: dict[str, object]) -> Any:
    return 200, {"Content-Type": "application/json"}, json.dumps(body).encode()


class ZaloStandIn:
    """Zalo's token endpoint and "cs" message endpoint, keeping Zalo's token rules."""

    def __init__(self, known_refresh_tokens: set[str], *, oauth_status: int = 200) -> None:
        self.valid_refresh = set(known_refresh_tokens)
        self.valid_access: set[str] = set()
        self.refreshes: list[dict[str, list[str]]] = []
        self.sent_with: list[str] = []
        self.oauth_status = oauth_status
        self.hold_refresh = threading.Event()
        self.release = threading.Event()
        self._lock = threading.Lock()

    def __call__(self, request: Any) -> Any:
        if request.method == "POST" and request.path == "/v4/oa/access_token":
            return self.refresh(request)
        if request.method == "POST" and request.path == "/v3.0/oa/message/cs":
            return self.send(request)
        return 404, {"Content-Type": "text/plain"}, b"You currently access to an empty api"

    def refresh(self, request: Any) -> Any:
        if self.oauth_status != 200:
            return self.oauth_status, {"Content-Type": "text/html"}, b"<html>busy</html>"
        if request.header("content-type") != "application/x-www-form-urlencoded":
            return _zalo({"error": -14003, "error_name": "Invalid content type"})
        form = parse_qs(request.body.decode(), strict_parsing=True)
        if request.header("secret_key") != APP_SECRET:
            return _zalo({"error": -14001, "error_name": "Invalid secret key"})
        if set(form) != {"refresh_token", "app_id", "grant_type"} or any(
            len(v) != 1 for v in form.values()
        ):
            return _zalo({"error": -14002, "error_name": "Invalid parameters"})
        if form["app_id"] != [APP_ID] or form["grant_type"] != ["refresh_token"]:
            return _zalo({"error": -14002, "error_name": "Invalid app id or grant type"})
        if self.hold_refresh.is_set():
            self.release.wait(WAIT_SECONDS)
        with self._lock:
            self.refreshes.append(form)
            spent = form["refresh_token"][0]
            if spent not in self.valid_refresh:
                return _zalo(
                    {
                        "error": -14014,
                        "error_name": "Invalid refresh token",
                        "error_description": "Refresh token is invalid or has been used",
                    }
                )
            self.valid_refresh.discard(spent)
            number = len(self.refreshes)
            access, refresh = f"access-token-{number}", f"refresh-token-{number}"
            self.valid_access.add(access)
            self.valid_refresh.add(refresh)
        return _zalo({"access_token": access, "refresh_token": refresh, "expires_in": "90000"})

    def send(self, request: Any) -> Any:
        token = request.header("access_token")
        self.sent_with.append(token)
        if token not in self.valid_access:
            return _zalo({"error": -124, "message": "Access token is invalid"})
        if set(request.json()) != {"recipient", "message"}:
            return _zalo({"error": -201, "message": "Parameters are invalid"})
        return _zalo({"error": 0, "message": "Success", "data": {"message_id": "m1"}})


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def token_pools(scratch_database: ScratchDatabase) -> AsyncIterator[list[asyncpg.Pool]]:
    """Two pools of the alerts role over one migrated database: two replicas' worth."""
    migrator = await asyncpg.connect(scratch_database.dsns["migrator"])
    try:
        await apply_migrations(migrator, shipped_migrations())
    finally:
        await migrator.close()
    pools = [
        await asyncpg.create_pool(scratch_database.dsns["alerts"], min_size=0, max_size=2)
        for _ in range(2)
    ]
    yield pools
    for pool in pools:
        await pool.close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def make_channel(clock: Clock) -> AsyncIterator[Callable[..., ZaloChannel]]:
    opened: list[ZaloChannel] = []

    def make(pool: asyncpg.Pool, base_url: str, *, seed: str | None = SEED) -> ZaloChannel:
        app = ZaloAppSettings(
            app_id=APP_ID,
            app_secret=SecretStr(APP_SECRET),
            refresh_token=SecretStr(seed) if seed is not None else None,
            oauth_base_url=base_url,
        )
        tokens = StoredZaloTokens(pool, app, clock=clock, timeout_seconds=WAIT_SECONDS)
        channel = ZaloChannel(ZaloSettings(base_url=base_url, timeout_seconds=5), tokens=tokens)
        opened.append(channel)
        return channel

    yield make
    for channel in opened:
        await channel.aclose()


async def stored(pool: asyncpg.Pool) -> asyncpg.Record:
    row = await pool.fetchrow("SELECT * FROM ioc.channel_tokens WHERE channel = 'zalo'")
    assert row is not None
    return row


async def until(condition: Callable[[], Awaitable[bool]]) -> None:
    deadline = asyncio.get_running_loop().time() + WAIT_SECONDS
    while not await condition():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


def no_secret_in(text: str, *secrets: str) -> bool:
    return not any(secret in text for secret in (APP_SECRET, SEED, *secrets))


async def test_an_empty_store_is_seeded_and_the_send_carries_the_new_token(
    http_server: StartServer,
    token_pools: list[asyncpg.Pool],
    make_channel: Callable[..., ZaloChannel],
    leader: Recipient,
    outgoing: MakeMessage,
) -> None:
    zalo = ZaloStandIn({SEED})
    server = http_server(zalo)
    channel = make_channel(token_pools[0], server.base_url)

    result = await channel.send(leader, outgoing())

    assert result.outcome is DeliveryOutcome.SENT, result.detail
    refresh, send = server.requests
    assert (refresh.method, refresh.path) == ("POST", "/v4/oa/access_token")
    assert refresh.header("secret_key") == APP_SECRET
    assert refresh.header("content-type") == "application/x-www-form-urlencoded"
    assert parse_qs(refresh.body.decode()) == {
        "refresh_token": [SEED],
        "app_id": [APP_ID],
        "grant_type": ["refresh_token"],
    }
    assert (send.path, send.header("access_token")) == ("/v3.0/oa/message/cs", "access-token-1")
    row = await stored(token_pools[0])
    assert (row["access_token"], row["refresh_token"]) == ("access-token-1", "refresh-token-1")
    assert row["access_expires_at"] == START + timedelta(seconds=90000)
    assert row["refreshed_at"] == START


async def test_an_unexpired_token_is_used_without_renewing_even_after_a_restart(
    http_server: StartServer,
    token_pools: list[asyncpg.Pool],
    make_channel: Callable[..., ZaloChannel],
    clock: Clock,
    leader: Recipient,
    outgoing: MakeMessage,
) -> None:
    zalo = ZaloStandIn({SEED})
    server = http_server(zalo)
    first = make_channel(token_pools[0], server.base_url)
    assert (await first.send(leader, outgoing())).outcome is DeliveryOutcome.SENT

    clock.now = START + timedelta(hours=24, minutes=49)  # 11 minutes left, margin 10
    again = await first.send(leader, outgoing())
    restarted = make_channel(token_pools[1], server.base_url)
    after_restart = await restarted.send(leader, outgoing())

    assert again.outcome is after_restart.outcome is DeliveryOutcome.SENT
    assert len(zalo.refreshes) == 1
    assert zalo.sent_with == ["access-token-1"] * 3


async def test_the_rotated_refresh_token_is_the_one_spent_next_time(
    http_server: StartServer,
    token_pools: list[asyncpg.Pool],
    make_channel: Callable[..., ZaloChannel],
    clock: Clock,
    leader: Recipient,
    outgoing: MakeMessage,
) -> None:
    zalo = ZaloStandIn({SEED})
    server = http_server(zalo)
    channel = make_channel(token_pools[0], server.base_url)
    assert (await channel.send(leader, outgoing())).outcome is DeliveryOutcome.SENT

    clock.now = START + timedelta(hours=24, minutes=51)  # 9 minutes left: within the margin
    # A process started later, still configured with the spent seed, as after a restart.
    later = make_channel(token_pools[1], server.base_url)
    result = await later.send(leader, outgoing())

    assert result.outcome is DeliveryOutcome.SENT, result.detail
    assert [form["refresh_token"] for form in zalo.refreshes] == [[SEED], ["refresh-token-1"]]
    assert zalo.sent_with == ["access-token-1", "access-token-2"]
    row = await stored(token_pools[0])
    assert row["refresh_token"] == "refresh-token-2"
    assert row["access_expires_at"] == clock.now + timedelta(seconds=90000)


@pytest.mark.parametrize("store", ["empty", "expired"])
async def test_two_replicas_renew_once_and_share_the_token(
    store: str,
    http_server: StartServer,
    token_pools: list[asyncpg.Pool],
    make_channel: Callable[..., ZaloChannel],
    clock: Clock,
    leader: Recipient,
    outgoing: MakeMessage,
) -> None:
    zalo = ZaloStandIn({SEED})
    server = http_server(zalo)
    replicas = [make_channel(pool, server.base_url) for pool in token_pools]
    if store == "expired":
        assert (await replicas[0].send(leader, outgoing())).outcome is DeliveryOutcome.SENT
        clock.now = START + timedelta(hours=26)
    refreshes_before = len(zalo.refreshes)
    zalo.hold_refresh.set()
    watcher = token_pools[0]

    sends = [asyncio.create_task(r.send(leader, outgoing())) for r in replicas]

    async def one_renewing_and_the_other_waiting_on_the_row() -> bool:
        waiting = await watcher.fetchval(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        arrived = sum(1 for r in server.requests if r.path == "/v4/oa/access_token")
        return bool(arrived == refreshes_before + 1 and waiting == 1)

    try:
        await until(one_renewing_and_the_other_waiting_on_the_row)
    finally:
        zalo.release.set()
        results = await asyncio.gather(*sends, return_exceptions=True)

    assert results == [DeliveryResult.sent(200)] * 2, results
    assert len(zalo.refreshes) == refreshes_before + 1
    newest = f"access-token-{refreshes_before + 1}"
    assert zalo.sent_with[-2:] == [newest, newest]


async def test_a_refused_refresh_token_is_permanent_and_no_token_is_kept_in_details(
    http_server: StartServer,
    token_pools: list[asyncpg.Pool],
    make_channel: Callable[..., ZaloChannel],
    clock: Clock,
    leader: Recipient,
    outgoing: MakeMessage,
    caplog: pytest.LogCaptureFixture,
) -> None:
    zalo = ZaloStandIn(set())  # Zalo no longer knows the seed: already spent, or revoked
    server = http_server(zalo)
    channel = make_channel(token_pools[0], server.base_url)

    with caplog.at_level(logging.WARNING, logger="ioc_alerts.notify.zalo_tokens"):
        result = await channel.send(leader, outgoing())

    assert result.outcome is DeliveryOutcome.PERMANENT
    assert result.status_code == -14014
    assert "re-authorize the Official Account" in result.detail
    assert "IOC_ZALO_REFRESH_TOKEN" in result.detail
    assert no_secret_in(result.detail)
    assert all(r.path != "/v3.0/oa/message/cs" for r in server.requests)
    row = await stored(token_pools[0])
    assert row["rejected_at"] == START
    assert "Invalid refresh token" in row["rejection"]
    assert no_secret_in(row["rejection"])
    [logged] = [r for r in caplog.records if r.getMessage() == "zalo access token not renewed"]
    assert logged.levelno == logging.ERROR
    assert no_secret_in(json.dumps(logged.__dict__, default=str))

    # The operator re-authorizes and sets the new refresh token; the service picks it up.
    zalo.valid_refresh.add("refresh-token-after-reauthorizing")
    clock.now += timedelta(hours=2)
    fixed = make_channel(token_pools[1], server.base_url, seed="refresh-token-after-reauthorizing")
    recovered = await fixed.send(leader, outgoing())
    assert recovered.outcome is DeliveryOutcome.SENT, recovered.detail
    row = await stored(token_pools[0])
    assert row["rejected_at"] is None
    assert row["refresh_token"] == "refresh-token-2"


async def test_zalo_oauth_down_is_retryable_and_the_old_token_serves_while_it_lasts(
    http_server: StartServer,
    token_pools: list[asyncpg.Pool],
    make_channel: Callable[..., ZaloChannel],
    clock: Clock,
    leader: Recipient,
    outgoing: MakeMessage,
) -> None:
    zalo = ZaloStandIn({SEED})
    server = http_server(zalo)
    channel = make_channel(token_pools[0], server.base_url)
    assert (await channel.send(leader, outgoing())).outcome is DeliveryOutcome.SENT
    zalo.oauth_status = 503

    clock.now = START + timedelta(hours=24, minutes=55)  # due for renewal, 5 minutes left
    within = await channel.send(leader, outgoing())
    clock.now = START + timedelta(hours=25, minutes=1)  # expired
    expired = await channel.send(leader, outgoing())

    assert within.outcome is DeliveryOutcome.SENT
    assert expired.outcome is DeliveryOutcome.RETRYABLE
    assert expired.status_code == 503
    assert no_secret_in(expired.detail, "access-token-1", "refresh-token-1")
    assert zalo.sent_with == ["access-token-1", "access-token-1"]
    row = await stored(token_pools[0])
    assert (row["refresh_token"], row["rejected_at"]) == ("refresh-token-1", None)


async def test_an_empty_store_without_a_refresh_token_says_what_to_do(
    http_server: StartServer,
    token_pools: list[asyncpg.Pool],
    make_channel: Callable[..., ZaloChannel],
    leader: Recipient,
    outgoing: MakeMessage,
) -> None:
    server = http_server(ZaloStandIn(set()))
    channel = make_channel(token_pools[0], server.base_url, seed=None)

    result = await channel.send(leader, outgoing())

    assert result.outcome is DeliveryOutcome.PERMANENT
    assert "IOC_ZALO_REFRESH_TOKEN" in result.detail
    assert server.requests == []


async def test_a_token_store_out_of_reach_is_retryable(
    http_server: StartServer,
    closed_port: int,
    make_channel: Callable[..., ZaloChannel],
    leader: Recipient,
    outgoing: MakeMessage,
) -> None:
    server = http_server(ZaloStandIn({SEED}))
    dsn = f"postgresql://ioc_alerts:x@127.0.0.1:{closed_port}/ioc"
    pool = await asyncpg.create_pool(dsn, min_size=0, max_size=1)
    try:
        result = await make_channel(pool, server.base_url).send(leader, outgoing())
    finally:
        await pool.close()

    assert result.outcome is DeliveryOutcome.RETRYABLE
    assert "token store unavailable" in result.detail
    assert server.requests == []


async def test_a_token_zalo_calls_invalid_early_is_renewed_for_the_next_attempt(
    http_server: StartServer,
    token_pools: list[asyncpg.Pool],
    make_channel: Callable[..., ZaloChannel],
    leader: Recipient,
    outgoing: MakeMessage,
) -> None:
    zalo = ZaloStandIn({"stored-refresh-token"})
    server = http_server(zalo)
    await token_pools[0].execute(
        "INSERT INTO ioc.channel_tokens (channel, access_token, refresh_token, "
        "access_expires_at, refreshed_at, seeded_from) VALUES ('zalo', 'revoked-access-token', "
        "'stored-refresh-token', $1, $2, 'x')",
        START + timedelta(hours=20),
        START - timedelta(hours=5),
    )
    channel = make_channel(token_pools[0], server.base_url)

    refused = await channel.send(leader, outgoing())
    retried = await channel.send(leader, outgoing())

    assert refused.outcome is DeliveryOutcome.RETRYABLE
    assert refused.status_code == -124
    assert no_secret_in(refused.detail, "revoked-access-token")
    assert retried.outcome is DeliveryOutcome.SENT, retried.detail
    assert zalo.sent_with == ["revoked-access-token", "access-token-1"]
    assert [form["refresh_token"] for form in zalo.refreshes] == [["stored-refresh-token"]]
