"""Renewed Zalo tokens when something fails, against a local Zalo and the real database:
a refused refresh token is permanent until the operator re-authorizes, an outage is
retryable, and no token ever appears in a detail or a log."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import asyncpg
import pytest

from ioc_alerts.notify.delivery import DeliveryOutcome, OutgoingMessage
from ioc_contracts.catalog import Recipient

from .scene import START, MakeChannel, ZaloScene
from .stand_in import SEED, ZaloStandIn, no_secret_in

pytestmark = pytest.mark.connected


async def test_a_refused_refresh_token_is_permanent_and_no_token_is_kept_in_details(
    scene: ZaloScene, caplog: pytest.LogCaptureFixture
) -> None:
    scene.zalo.valid_refresh.clear()  # Zalo no longer knows the seed: already spent, or revoked

    with caplog.at_level(logging.WARNING, logger="ioc_alerts.notify.zalo_tokens"):
        result = await scene.send(scene.channel())

    assert result.outcome is DeliveryOutcome.PERMANENT
    assert result.status_code == -14014
    assert "re-authorize the Official Account" in result.detail
    assert "IOC_ZALO_REFRESH_TOKEN" in result.detail
    assert no_secret_in(result.detail)
    assert all(r.path != "/v3.0/oa/message/cs" for r in scene.server.requests)
    row = await scene.stored()
    assert row["rejected_at"] == START
    assert "Invalid refresh token" in row["rejection"]
    assert no_secret_in(row["rejection"])
    [logged] = [r for r in caplog.records if r.getMessage() == "zalo access token not renewed"]
    assert logged.levelno == logging.ERROR
    assert no_secret_in(json.dumps(logged.__dict__, default=str))

    # The operator re-authorizes and sets the new refresh token; the service picks it up.
    scene.zalo.valid_refresh.add("refresh-token-after-reauthorizing")
    scene.clock.now += timedelta(hours=2)
    fixed = scene.channel(replica=1, seed="refresh-token-after-reauthorizing")
    recovered = await scene.send(fixed)
    assert recovered.outcome is DeliveryOutcome.SENT, recovered.detail
    row = await scene.stored()
    assert row["rejected_at"] is None
    assert row["refresh_token"] == "refresh-token-2"


async def test_zalo_oauth_down_is_retryable_and_the_old_token_serves_while_it_lasts(
    scene: ZaloScene,
) -> None:
    channel = scene.channel()
    assert (await scene.send(channel)).outcome is DeliveryOutcome.SENT
    scene.zalo.oauth_status = 503

    scene.clock.now = START + timedelta(hours=24, minutes=55)  # due for renewal, 5 min left
    within = await scene.send(channel)
    scene.clock.now = START + timedelta(hours=25, minutes=1)  # expired
    expired = await scene.send(channel)

    assert within.outcome is DeliveryOutcome.SENT
    assert expired.outcome is DeliveryOutcome.RETRYABLE
    assert expired.status_code == 503
    assert no_secret_in(expired.detail, "access-token-1", "refresh-token-1")
    assert scene.zalo.sent_with == ["access-token-1", "access-token-1"]
    row = await scene.stored()
    assert (row["refresh_token"], row["rejected_at"]) == ("refresh-token-1", None)


async def test_an_empty_store_without_a_refresh_token_says_what_to_do(scene: ZaloScene) -> None:
    result = await scene.send(scene.channel(seed=None))

    assert result.outcome is DeliveryOutcome.PERMANENT
    assert "IOC_ZALO_REFRESH_TOKEN" in result.detail
    assert scene.server.requests == []


async def test_a_token_store_out_of_reach_is_retryable(
    http_server: Callable[..., Any],
    closed_port: int,
    make_channel: MakeChannel,
    leader: Recipient,
    outgoing: Callable[..., OutgoingMessage],
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
    scene: ZaloScene,
) -> None:
    scene.zalo.valid_refresh = {"stored-refresh-token"}
    await scene.pools[0].execute(
        "INSERT INTO ioc.channel_tokens (channel, access_token, refresh_token, "
        "access_expires_at, refreshed_at, seeded_from) VALUES ('zalo', 'revoked-access-token', "
        "'stored-refresh-token', $1, $2, 'x')",
        START + timedelta(hours=20),
        START - timedelta(hours=5),
    )
    channel = scene.channel()

    refused = await scene.send(channel)
    retried = await scene.send(channel)

    assert refused.outcome is DeliveryOutcome.RETRYABLE
    assert refused.status_code == -124
    assert no_secret_in(refused.detail, "revoked-access-token")
    assert retried.outcome is DeliveryOutcome.SENT, retried.detail
    assert scene.zalo.sent_with == ["revoked-access-token", "access-token-1"]
    refreshed = [form["refresh_token"] for form in scene.zalo.refreshes]
    assert refreshed == [["stored-refresh-token"]]
