"""Every service's entry point: the Kafka-side services are served through
`ioc_runtime.serving`, on uvloop, the event loop their speed is measured with (each image
installs its own service's dependencies alone; uvicorn's "auto" loop once fell back to
asyncio's there; `libs/runtime/tests/test_serving.py` holds the rest), and every service
tunes its garbage collector before it serves, so the speed the benchmarks measure
(`benchmarks/stages.py`, `benchmarks/alert_pass.py`) is the speed of those settings
(`ioc_runtime.collector`)."""

from __future__ import annotations

import importlib
import sys
from types import ModuleType
from unittest import mock

import pytest

# Where each entry point hands its app over to be served.
_SERVES = {
    "aggregator": "serve",
    "alerts": "serve",
    "derived": "serve",
    "ingest": "uvicorn.run",
}


def _entry_point(service: str, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """The service's `__main__`, with its settings given and its logging left alone."""
    entry = importlib.import_module(f"ioc_{service}.__main__")
    monkeypatch.setenv("IOC_DATABASE_URL", f"postgresql://ioc_{service}@127.0.0.1/ioc")
    monkeypatch.setenv("IOC_ACK_SECRET", "a secret of sixteen characters or more")
    monkeypatch.setattr(sys, "argv", [f"ioc_{service}"])
    monkeypatch.setattr(entry, "configure_logging", mock.Mock())
    return entry


@pytest.mark.parametrize("service", ["aggregator", "alerts", "derived"])
def test_the_service_is_served_on_uvloop(service: str, monkeypatch: pytest.MonkeyPatch) -> None:
    entry = _entry_point(service, monkeypatch)
    # The process's collector is not this test's to change.
    monkeypatch.setattr(entry, "tune_garbage_collector", mock.Mock())
    with mock.patch("uvloop.run") as run:
        assert entry.main() == 0
    (served,), _ = run.call_args
    served.close()  # the server's coroutine, never started here
    assert run.call_count == 1


@pytest.mark.parametrize("service", sorted(_SERVES))
def test_the_collector_is_tuned_before_the_service_serves(
    service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    entry = _entry_point(service, monkeypatch)
    calls = mock.Mock()
    monkeypatch.setattr(entry, "tune_garbage_collector", calls.tune)
    if _SERVES[service] == "serve":
        monkeypatch.setattr(entry, "serve", calls.serve)
    else:
        monkeypatch.setattr(entry.uvicorn, "run", calls.serve)
    assert entry.main() == 0
    assert [name for name, _, _ in calls.mock_calls] == ["tune", "serve"]
