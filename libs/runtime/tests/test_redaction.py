"""The redaction policy: registered secrets and credential-shaped text never reach a line."""

from __future__ import annotations

import io
import json
import logging

import pytest
from pydantic import SecretStr, ValidationError

from ioc_runtime import REDACTED, Redactor, ServiceSettings, configure_logging, settings_error

BOT_TOKEN = "7012345678:AAHk-example_secret_token_value"


@pytest.mark.parametrize(
    ("text", "kept", "gone"),
    [
        (
            f"POST https://api.telegram.org/bot{BOT_TOKEN}/sendMessage",
            "https://api.telegram.org/bot<redacted>/sendMessage",
            "AAHk",
        ),
        ("postgresql://ioc_alerts:s3cr3t-pass@db:5432/ioc", "ioc_alerts:<redacted>@db", "s3cr3t"),
        ("GET /cb?code=1&access_token=abcdef123456&x=1", "access_token=<redacted>&x=1", "abcdef"),
        ("Authorization: Bearer été-and-more", "Bearer <redacted>", "été"),
        ("key ioc_ab12cd34_ZYXWVUTSRQPONMLK used", "ioc_ab12cd34_<redacted>", "ZYXW"),
        ("{'password': 'hunter2hunter2'}", "'password': '<redacted>", "hunter2"),
    ],
)
def test_credentials_are_recognised_by_shape(text: str, kept: str, gone: str) -> None:
    redacted = Redactor()(text)
    assert kept in redacted
    assert gone not in redacted


def test_a_registered_secret_goes_however_it_is_written() -> None:
    secret = 'quote"and\\slash-secret'
    redact = Redactor([secret, "short"])
    line = json.dumps({"detail": f"failed with {secret}"})
    assert secret not in redact(secret)
    assert json.dumps(secret)[1:-1] not in redact(line)
    assert redact("a short word") == "a short word"  # too short to register


def test_settings_name_their_secrets_and_the_password_inside_a_dsn() -> None:
    class Settings(ServiceSettings):
        database_url: SecretStr
        api_token: SecretStr

    # Given here, not read from IOC_* (./dev exports the real ones before the tests).
    settings = Settings(
        database_url=SecretStr("postgresql://svc:pa55word-x@db/ioc"),
        api_token=SecretStr("operator-token-0123456789"),
    )
    values = set(settings.secret_values())
    assert {"pa55word-x", "operator-token-0123456789"} <= values


def test_start_up_errors_do_not_echo_what_was_given() -> None:
    class Strict(ServiceSettings):
        api_token: SecretStr = SecretStr("x")
        port: int = 1

    with pytest.raises(ValidationError) as caught:
        Strict.model_validate({"port": "secret-ish-value-123"})
    text = settings_error("alerts", caught.value)
    assert "secret-ish-value-123" not in text
    assert "IOC_PORT" in text


def test_http_clients_log_nothing_at_info_and_lines_are_redacted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stream = io.StringIO()
    monkeypatch.setattr("sys.stderr", stream)
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        configure_logging("alerts", "DEBUG", secrets=["registered-secret-value"])
        assert logging.getLogger("httpx").getEffectiveLevel() >= logging.WARNING
        assert logging.getLogger("httpcore").getEffectiveLevel() >= logging.WARNING
        # What httpx itself logs for every request.
        logging.getLogger("httpx").info(
            'HTTP Request: POST https://api.telegram.org/bot%s/sendMessage "200 OK"', BOT_TOKEN
        )
        logging.getLogger("ioc.test").warning(
            "failed: registered-secret-value", extra={"url": f"/bot{BOT_TOKEN}/x"}
        )
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
    written = stream.getvalue()
    assert "AAHk" not in written
    assert "registered-secret-value" not in written
    assert REDACTED in written
