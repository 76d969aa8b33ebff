"""Which notification channels the service starts with, and what it says of the others."""

from __future__ import annotations

import logging
from typing import cast

import asyncpg
import pytest
from pydantic import SecretStr

from ioc_alerts.config import AlertsSettings
from ioc_alerts.deliver.channels import build_channels

NO_POOL = cast(asyncpg.Pool, None)  # only a Zalo app with stored tokens would use it


def _settings(**channels: object) -> AlertsSettings:
    return AlertsSettings(
        database_url=SecretStr("postgresql://ioc_alerts@127.0.0.1/ioc"),
        ack_secret=SecretStr("a-secret-of-sixteen-or-more"),
        api_token=SecretStr("a-token-of-sixteen-or-more"),
        **channels,  # type: ignore[arg-type]
    )


def test_a_missing_channel_is_named_at_start_up(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="ioc_alerts.deliver.channels")
    channels = build_channels(_settings(smtp_host="127.0.0.1"), NO_POOL)
    assert set(channels) == {"email"}
    (record,) = [r for r in caplog.records if "not configured" in r.getMessage()]
    assert record.getMessage() == (
        "notification channels not configured: telegram, zalo; notifications to them will fail"
    )
    assert record.__dict__["missing_channels"] == ["telegram", "zalo"]


def test_nothing_is_said_when_every_person_channel_is_configured(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="ioc_alerts.deliver.channels")
    channels = build_channels(
        _settings(
            smtp_host="127.0.0.1",
            telegram_bot_token=SecretStr("123456:telegram-test-token"),
            zalo_access_token=SecretStr("zalo-test-token"),
        ),
        NO_POOL,
    )
    assert {"email", "telegram", "zalo"} <= set(channels)
    assert not [r for r in caplog.records if "not configured" in r.getMessage()]
