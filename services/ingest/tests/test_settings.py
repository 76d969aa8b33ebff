"""Settings: names of the environment variables and defaults that depend on IOC_ENV."""

from __future__ import annotations

import pytest

from ioc_contracts import INDICATOR_EVENTS_TOPIC
from ioc_ingest.config import IngestSettings

_DSN = "postgresql://ioc_ingest:secret@127.0.0.1:5432/ioc"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # The developer's shell (or ./dev test) may export IOC_* settings of its own.
    for name in ("IOC_ENV", "IOC_INGEST_DOCS_ENABLED", "IOC_INGEST_MAX_BATCH", "IOC_INGEST_TOPIC"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("IOC_DATABASE_URL", _DSN)


def test_defaults() -> None:
    settings = IngestSettings()
    assert settings.database_url.get_secret_value() == _DSN
    assert (settings.http_host, settings.http_port) == ("127.0.0.1", 8080)
    assert settings.ingest_topic == INDICATOR_EVENTS_TOPIC
    assert settings.ingest_max_body_bytes == 1024 * 1024
    assert settings.ingest_max_batch == 500
    assert settings.ingest_max_future_seconds == 86_400


def test_the_environment_sets_ingest_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IOC_INGEST_MAX_BATCH", "50")
    monkeypatch.setenv("IOC_INGEST_TOPIC", "test.topic")
    settings = IngestSettings()
    assert (settings.ingest_max_batch, settings.ingest_topic) == (50, "test.topic")


@pytest.mark.parametrize(
    ("env", "explicit", "enabled"),
    [
        ("development", None, True),
        ("production", None, False),
        ("production", "true", True),
        ("development", "false", False),
    ],
)
def test_docs_default_to_on_in_development_only(
    monkeypatch: pytest.MonkeyPatch, env: str, explicit: str | None, enabled: bool
) -> None:
    monkeypatch.setenv("IOC_ENV", env)
    if explicit is not None:
        monkeypatch.setenv("IOC_INGEST_DOCS_ENABLED", explicit)
    assert IngestSettings().docs_enabled is enabled


def test_the_database_url_is_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("IOC_DATABASE_URL")
    with pytest.raises(ValueError, match="database_url"):
        IngestSettings()
