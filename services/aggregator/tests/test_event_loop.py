"""The aggregator runs on uvloop, the event loop its speed is measured with.

The service's image installs only the aggregator's own dependencies, so uvloop must be
one of them: it once came only through another service's `uvicorn[standard]`, present in
the workspace but not in the image, where uvicorn's "auto" fell back to asyncio's loop."""

import re
import sys
from importlib.metadata import requires
from unittest import mock

import pytest

from ioc_aggregator import __main__ as entry


def test_the_aggregator_declares_uvloop_itself() -> None:
    declared = {
        re.split(r"[<>=!~\[ ;]", line, maxsplit=1)[0].lower()
        for line in requires("ioc-aggregator") or []
    }
    assert "uvloop" in declared


def test_the_service_is_served_on_uvloop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IOC_DATABASE_URL", "postgresql://ioc_writer@127.0.0.1/ioc")
    monkeypatch.setattr(sys, "argv", ["ioc_aggregator"])
    with (
        mock.patch("uvloop.run") as run,
        # Neither the process's logging nor its collector is this test's to change.
        mock.patch.object(entry, "configure_logging"),
        mock.patch.object(entry, "tune_garbage_collector"),
    ):
        assert entry.main() == 0
    (served,), _ = run.call_args
    served.close()  # the server's coroutine, never started here
    assert run.call_count == 1
