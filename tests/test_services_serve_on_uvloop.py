"""Every Kafka-side service is served through `ioc_runtime.serving`, on uvloop, the
event loop their speed is measured with. Each image installs its own service's
dependencies alone; uvicorn's "auto" loop once fell back to asyncio's there
(`libs/runtime/tests/test_serving.py` holds the rest)."""

from __future__ import annotations

import importlib
import sys
from unittest import mock

import pytest


@pytest.mark.parametrize("service", ["aggregator", "alerts", "derived"])
def test_the_service_is_served_on_uvloop(service: str, monkeypatch: pytest.MonkeyPatch) -> None:
    entry = importlib.import_module(f"ioc_{service}.__main__")
    monkeypatch.setenv("IOC_DATABASE_URL", f"postgresql://ioc_{service}@127.0.0.1/ioc")
    monkeypatch.setenv("IOC_ACK_SECRET", "a secret of sixteen characters or more")
    monkeypatch.setattr(sys, "argv", [f"ioc_{service}"])
    # Neither the process's logging nor its collector is this test's to change.
    monkeypatch.setattr(entry, "configure_logging", mock.Mock())
    if hasattr(entry, "tune_garbage_collector"):
        monkeypatch.setattr(entry, "tune_garbage_collector", mock.Mock())
    with mock.patch("uvloop.run") as run:
        assert entry.main() == 0
    (served,), _ = run.call_args
    served.close()  # the server's coroutine, never started here
    assert run.call_count == 1
