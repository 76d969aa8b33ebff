"""Every service's entry point: every service, the gateway too, is served through
`ioc_runtime.serving`, on uvloop, the event loop their speed is measured with (each image
installs its own service's dependencies alone; uvicorn's "auto" loop once fell back to
asyncio's there; `libs/runtime/tests/test_serving.py` holds the rest), and every service
tunes its garbage collector before it serves, so the speed the benchmarks measure
(`benchmarks/stages.py`, `benchmarks/alert_pass.py`) is the speed of those settings
(`ioc_runtime.collector`)."""

from __future__ import annotations

import importlib
import inspect
import sys
from types import ModuleType
from unittest import mock

import pytest
from prometheus_client import CollectorRegistry

_SERVICES = ["aggregator", "alerts", "derived", "ingest"]


def _entry_point(service: str, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """The service's `__main__`, with its settings given and its logging left alone."""
    entry = importlib.import_module(f"ioc_{service}.__main__")
    monkeypatch.setenv("IOC_DATABASE_URL", f"postgresql://ioc_{service}@127.0.0.1/ioc")
    monkeypatch.setenv("IOC_ACK_SECRET", "a secret of sixteen characters or more")
    monkeypatch.setattr(sys, "argv", [f"ioc_{service}"])
    monkeypatch.setattr(entry, "configure_logging", mock.Mock())
    create_app = entry.create_app
    if "registry" in inspect.signature(create_app).parameters:
        # Each app on a registry of its own: the process's default one takes a metric once.
        monkeypatch.setattr(
            entry,
            "create_app",
            lambda *args, **kwargs: create_app(*args, **kwargs, registry=CollectorRegistry()),
        )
    return entry


@pytest.mark.parametrize("service", _SERVICES)
def test_the_service_is_served_on_uvloop(service: str, monkeypatch: pytest.MonkeyPatch) -> None:
    entry = _entry_point(service, monkeypatch)
    # The process's collector is not this test's to change.
    monkeypatch.setattr(entry, "tune_garbage_collector", mock.Mock())
    with mock.patch("uvloop.run") as run:
        assert entry.main() == 0
    (served,), _ = run.call_args
    served.close()  # the server's coroutine, never started here
    assert run.call_count == 1


@pytest.mark.parametrize("service", _SERVICES)
def test_the_collector_is_tuned_before_the_service_serves(
    service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    entry = _entry_point(service, monkeypatch)
    calls = mock.Mock()
    monkeypatch.setattr(entry, "tune_garbage_collector", calls.tune)
    monkeypatch.setattr(entry, "serve", calls.serve)
    assert entry.main() == 0
    assert [name for name, _, _ in calls.mock_calls] == ["tune", "serve"]


def test_the_gateway_trusts_forwarded_addresses_only_from_its_proxies(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Behind the TLS proxy the client's address (the audit's, the failed-key limit's) comes
    from X-Forwarded-For, trusted only from IOC_FORWARDED_ALLOW_IPS; no Server header."""
    entry = _entry_point("ingest", monkeypatch)
    monkeypatch.setenv("IOC_FORWARDED_ALLOW_IPS", "10.0.0.7")
    monkeypatch.setattr(entry, "tune_garbage_collector", mock.Mock())
    with mock.patch("uvloop.run") as run, mock.patch("uvicorn.Config") as config:
        assert entry.main() == 0
    (served,), _ = run.call_args
    served.close()
    options = config.call_args.kwargs
    assert (options["proxy_headers"], options["server_header"]) == (True, False)
    assert options["forwarded_allow_ips"] == "10.0.0.7"
    assert options["log_config"] is None
