from __future__ import annotations

import json
import logging

import pytest

from ioc_runtime import JsonFormatter, ServiceSettings


def _record(message: str, **extra: object) -> logging.LogRecord:
    record = logging.LogRecord("ioc.test", logging.WARNING, __file__, 1, message, (), None)
    for key, value in extra.items():
        setattr(record, key, value)
    return record


def test_a_log_line_is_one_json_object_with_context_as_keys() -> None:
    line = JsonFormatter("aggregator").format(
        _record("chuyển vào DLQ", topic="ioc.indicator-events", partition=3, offset=42)
    )
    entry = json.loads(line)
    assert entry["service"] == "aggregator"
    assert entry["level"] == "warning"
    assert entry["message"] == "chuyển vào DLQ"
    assert (entry["topic"], entry["partition"], entry["offset"]) == ("ioc.indicator-events", 3, 42)
    assert "chuyển" in line  # Vietnamese stays readable, not \\u-escaped
    assert entry["time"].endswith("+00:00")


def test_placeholders_are_refused_in_production(monkeypatch: pytest.MonkeyPatch) -> None:
    class WithSecret(ServiceSettings):
        api_secret: str = "change-me-please"

    monkeypatch.setenv("IOC_ENV", "production")
    with pytest.raises(ValueError, match="IOC_API_SECRET still holds a placeholder"):
        WithSecret()
    monkeypatch.setenv("IOC_ENV", "development")
    assert WithSecret().api_secret == "change-me-please"
