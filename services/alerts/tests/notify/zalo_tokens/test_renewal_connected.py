"""Renewed Zalo tokens against a local Zalo (OAuth v4 and OA API) and the real database:
a token is renewed when it must be, once across replicas, and the rotated refresh token
is the one spent next."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from urllib.parse import parse_qs

import pytest

from ioc_alerts.notify.delivery import DeliveryOutcome, DeliveryResult

from .scene import START, ZaloScene, until
from .stand_in import APP_ID, APP_SECRET, SEED

pytestmark = pytest.mark.connected


async def test_an_empty_store_is_seeded_and_the_send_carries_the_new_token(
    scene: ZaloScene,
) -> None:
    result = await scene.send(scene.channel())

    assert result.outcome is DeliveryOutcome.SENT, result.detail
    refresh, send = scene.server.requests
    assert (refresh.method, refresh.path) == ("POST", "/v4/oa/access_token")
    assert refresh.header("secret_key") == APP_SECRET
    assert refresh.header("content-type") == "application/x-www-form-urlencoded"
    assert parse_qs(refresh.body.decode()) == {
        "refresh_token": [SEED],
        "app_id": [APP_ID],
        "grant_type": ["refresh_token"],
    }
    assert (send.path, send.header("access_token")) == ("/v3.0/oa/message/cs", "access-token-1")
    row = await scene.stored()
    assert (row["access_token"], row["refresh_token"]) == ("access-token-1", "refresh-token-1")
    assert row["access_expires_at"] == START + timedelta(seconds=90000)
    assert row["refreshed_at"] == START


async def test_an_unexpired_token_is_used_without_renewing_even_after_a_restart(
    scene: ZaloScene,
) -> None:
    first = scene.channel()
    assert (await scene.send(first)).outcome is DeliveryOutcome.SENT

    scene.clock.now = START + timedelta(hours=24, minutes=49)  # 11 minutes left, margin 10
    again = await scene.send(first)
    after_restart = await scene.send(scene.channel(replica=1))

    assert again.outcome is after_restart.outcome is DeliveryOutcome.SENT
    assert len(scene.zalo.refreshes) == 1
    assert scene.zalo.sent_with == ["access-token-1"] * 3


async def test_the_rotated_refresh_token_is_the_one_spent_next_time(scene: ZaloScene) -> None:
    assert (await scene.send(scene.channel())).outcome is DeliveryOutcome.SENT

    scene.clock.now = START + timedelta(hours=24, minutes=51)  # 9 minutes left: within margin
    # A process started later, still configured with the spent seed, as after a restart.
    result = await scene.send(scene.channel(replica=1))

    assert result.outcome is DeliveryOutcome.SENT, result.detail
    refreshed = [form["refresh_token"] for form in scene.zalo.refreshes]
    assert refreshed == [[SEED], ["refresh-token-1"]]
    assert scene.zalo.sent_with == ["access-token-1", "access-token-2"]
    row = await scene.stored()
    assert row["refresh_token"] == "refresh-token-2"
    assert row["access_expires_at"] == scene.clock.now + timedelta(seconds=90000)


@pytest.mark.parametrize("store", ["empty", "expired"])
async def test_two_replicas_renew_once_and_share_the_token(store: str, scene: ZaloScene) -> None:
    zalo = scene.zalo
    replicas = [scene.channel(replica) for replica in range(2)]
    if store == "expired":
        assert (await scene.send(replicas[0])).outcome is DeliveryOutcome.SENT
        scene.clock.now = START + timedelta(hours=26)
    refreshes_before = len(zalo.refreshes)
    zalo.hold_refresh.set()
    watcher = scene.pools[0]

    sends = [asyncio.create_task(scene.send(replica)) for replica in replicas]

    async def one_renewing_and_the_other_waiting_on_the_row() -> bool:
        waiting = await watcher.fetchval(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        arrived = sum(1 for r in scene.server.requests if r.path == "/v4/oa/access_token")
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
