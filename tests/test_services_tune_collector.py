"""Every service's entry point tunes the garbage collector before it serves: the
speed the benchmarks measure (`benchmarks/stages.py`, `benchmarks/alert_pass.py`) is the
speed of these settings (`ioc_runtime.collector`)."""

from __future__ import annotations

import importlib
import sys
from unittest import mock

import pytest

# Where each entry point hands its app over to be served.
_SERVES = {
    "aggregator": "serve",
    "alerts": "serve",
    "derived": "serve",
    "ingest": "uvicorn.run",
}


@pytest.mark.parametrize("service", sorted(_SERVES))
def test_the_collector_is_tuned_before_the_service_serves(
    service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    entry = importlib.import_module(f"ioc_{service}.__main__")
    monkeypatch.setenv("IOC_DATABASE_URL", f"postgresql://ioc_{service}@127.0.0.1/ioc")
    monkeypatch.setenv("IOC_ACK_SECRET", "a secret of sixteen characters or more")
    monkeypatch.setattr(sys, "argv", [f"ioc_{service}"])
    monkeypatch.setattr(entry, "configure_logging", mock.Mock())
    calls = mock.Mock()
    monkeypatch.setattr(entry, "tune_garbage_collector", calls.tune)
    if _SERVES[service] == "serve":
        monkeypatch.setattr(entry, "serve", calls.serve)
    else:
        monkeypatch.setattr(entry.uvicorn, "run", calls.serve)
    assert entry.main() == 0
    assert [name for name, _, _ in calls.mock_calls] == ["tune", "serve"]
