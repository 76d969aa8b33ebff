"""Reading Zalo's OAuth v4 answers, deciding when to renew, and the Zalo settings."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from pydantic import SecretStr, ValidationError

from ioc_alerts.config import AlertsSettings
from ioc_alerts.notify.delivery import DeliveryOutcome
from ioc_alerts.notify.zalo_oauth import (
    FALLBACK_LIFETIME,
    RefreshFailedError,
    TokenPair,
    parse_expires_in,
    read_refresh_answer,
)
from ioc_alerts.notify.zalo_tokens import fingerprint, fresh

NOW = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
MARGIN = timedelta(minutes=10)
NEW_ACCESS = "new-access-token-0123456789"
NEW_REFRESH = "new-refresh-token-9876543210"


def answer(status: int, body: object) -> httpx.Response:
    return httpx.Response(
        status, content=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )


def failure(response: httpx.Response) -> RefreshFailedError:
    with pytest.raises(RefreshFailedError) as caught:
        read_refresh_answer(response, NOW)
    return caught.value


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("90000", 90000), (90000, 90000), (" 3600 ", 3600), (1.5, 1.5)],
)
def test_expires_in_is_read_as_a_string_or_a_number(value: object, seconds: float) -> None:
    assert parse_expires_in(value) == timedelta(seconds=seconds)


@pytest.mark.parametrize("value", [None, "", "soon", "-5", 0, -1, True, [90000]])
def test_an_unreadable_expires_in_is_none(value: object) -> None:
    assert parse_expires_in(value) is None


def test_a_good_answer_gives_the_new_pair_and_its_expiry() -> None:
    body = {"access_token": NEW_ACCESS, "refresh_token": NEW_REFRESH, "expires_in": "90000"}
    pair = read_refresh_answer(answer(200, body), NOW)
    assert pair == TokenPair(NEW_ACCESS, NEW_REFRESH, NOW + timedelta(hours=25))


def test_a_good_answer_without_expires_in_is_kept_with_a_short_lifetime() -> None:
    # The new refresh token must be stored whatever else is wrong with the answer.
    pair = read_refresh_answer(
        answer(200, {"access_token": NEW_ACCESS, "refresh_token": NEW_REFRESH}), NOW
    )
    assert pair.refresh_token == NEW_REFRESH
    assert pair.access_expires_at == NOW + FALLBACK_LIFETIME


def test_a_zalo_error_is_permanent_and_says_to_reauthorize() -> None:
    refused = failure(
        answer(
            200,
            {
                "error": -14014,
                "error_name": "Invalid refresh token",
                "error_description": "refresh_token is invalid or expired",
            },
        )
    )
    assert refused.rejected
    assert refused.result.outcome is DeliveryOutcome.PERMANENT
    assert refused.result.status_code == -14014
    assert "Invalid refresh token" in refused.result.detail
    assert "re-authorize the Official Account" in refused.result.detail
    assert "IOC_ZALO_REFRESH_TOKEN" in refused.result.detail


def test_a_zalo_error_with_an_http_error_status_is_still_zalos_refusal() -> None:
    refused = failure(answer(400, {"error": -14002, "error_name": "Invalid app id"}))
    assert refused.rejected
    assert refused.result.outcome is DeliveryOutcome.PERMANENT


@pytest.mark.parametrize("status", [500, 502, 503, 429])
def test_server_trouble_is_retryable_and_not_a_refusal(status: int) -> None:
    trouble = failure(httpx.Response(status, text="<html>Bad Gateway</html>"))
    assert trouble.result.outcome is DeliveryOutcome.RETRYABLE
    assert not trouble.rejected
    assert trouble.result.status_code == status


def test_a_wrong_address_is_permanent_but_does_not_condemn_the_refresh_token() -> None:
    wrong = failure(httpx.Response(404, text="Not Found"))
    assert wrong.result.outcome is DeliveryOutcome.PERMANENT
    assert not wrong.rejected


def test_half_an_answer_is_retryable_and_its_body_is_not_echoed() -> None:
    half = failure(answer(200, {"access_token": NEW_ACCESS}))
    assert half.result.outcome is DeliveryOutcome.RETRYABLE
    assert NEW_ACCESS not in half.result.detail


def test_an_answer_that_is_not_json_is_retryable() -> None:
    assert failure(httpx.Response(200, text="OK")).result.outcome is DeliveryOutcome.RETRYABLE


def test_a_token_is_renewed_within_the_margin_of_its_expiry() -> None:
    def pair(left: timedelta) -> TokenPair:
        return TokenPair("a", "r", NOW + left)

    assert fresh(pair(timedelta(hours=24)), NOW, MARGIN)
    assert fresh(pair(MARGIN + timedelta(seconds=1)), NOW, MARGIN)
    assert not fresh(pair(MARGIN), NOW, MARGIN)
    assert not fresh(pair(timedelta(minutes=-5)), NOW, MARGIN)
    assert not fresh(None, NOW, MARGIN)


def test_a_pair_never_shows_its_tokens() -> None:
    shown = repr(TokenPair(NEW_ACCESS, NEW_REFRESH, NOW))
    assert NEW_ACCESS not in shown
    assert NEW_REFRESH not in shown


def test_fingerprints_tell_tokens_apart_without_containing_them() -> None:
    assert fingerprint(NEW_REFRESH) == fingerprint(NEW_REFRESH)
    assert fingerprint(NEW_REFRESH) != fingerprint(NEW_ACCESS)
    assert NEW_REFRESH not in fingerprint(NEW_REFRESH)


REQUIRED = {
    "database_url": "postgresql://ioc_alerts:x@127.0.0.1:5432/ioc",
    "ack_secret": "a-signing-secret-of-some-length",
    "api_token": "an-operator-token-of-some-length",
}


def settings(**zalo: object) -> AlertsSettings:
    return AlertsSettings.model_validate({**REQUIRED, **zalo})


@pytest.fixture(autouse=True)
def _no_zalo_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "IOC_ENV",
        "IOC_ZALO_APP_ID",
        "IOC_ZALO_APP_SECRET",
        "IOC_ZALO_REFRESH_TOKEN",
        "IOC_ZALO_ACCESS_TOKEN",
        "IOC_ZALO_OAUTH_BASE_URL",
    ):
        monkeypatch.delenv(name, raising=False)


def test_the_app_turns_on_renewed_tokens() -> None:
    chosen = settings(
        zalo_app_id="1234567890", zalo_app_secret="app-secret", zalo_refresh_token="first"
    )
    app = chosen.zalo_app()
    channel = chosen.zalo()
    assert app is not None
    assert channel is not None
    assert channel.access_token is None
    assert app.oauth_base_url == "https://oauth.zaloapp.com"
    assert app.refresh_token == SecretStr("first")
    assert app.refresh_margin == timedelta(minutes=10)


def test_a_fixed_token_still_works_alone() -> None:
    chosen = settings(zalo_access_token="fixed")
    channel = chosen.zalo()
    assert channel is not None
    assert channel.access_token == SecretStr("fixed")
    assert chosen.zalo_app() is None
    assert settings().zalo() is None


@pytest.mark.parametrize(
    ("zalo", "complaint"),
    [
        ({"zalo_app_id": "1234567890"}, "go together"),
        ({"zalo_app_secret": "s"}, "go together"),
        ({"zalo_refresh_token": "r"}, "needs IOC_ZALO_APP_ID"),
        (
            {"zalo_app_id": "1", "zalo_app_secret": "s", "zalo_access_token": "t"},
            "not both",
        ),
    ],
)
def test_half_or_double_zalo_settings_are_refused(zalo: dict[str, str], complaint: str) -> None:
    with pytest.raises(ValidationError, match=complaint):
        settings(**zalo)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("zalo_app_secret", "change-me-zalo-app-secret"),
        ("zalo_refresh_token", "change-me-zalo-refresh-token"),
        ("zalo_app_id", "placeholder"),
    ],
)
def test_placeholders_are_refused_in_production(name: str, value: str) -> None:
    zalo = {"zalo_app_id": "1234567890", "zalo_app_secret": "s3cr3t", name: value}
    with pytest.raises(ValidationError, match=f"IOC_{name.upper()} still holds a placeholder"):
        settings(env="production", **zalo)
    assert settings(**zalo).zalo_app() is not None
