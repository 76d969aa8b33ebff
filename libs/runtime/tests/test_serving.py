"""Every service is served on uvloop, with the process's own logging left in place.

A service's image installs that service's dependencies alone, so uvloop comes with this
package, which every service serves through; uvicorn's "auto" loop would take asyncio's
where uvloop happened not to be installed."""

from __future__ import annotations

import re
from collections.abc import Coroutine
from importlib.metadata import requires
from typing import Any
from unittest import mock

import uvicorn

from ioc_runtime import serving
from ioc_runtime.bounded_head import BoundedHeadHttpTools


async def _app(scope: object, receive: object, send: object) -> None:
    return None


def test_the_runtime_declares_uvloop_uvicorn_and_httptools() -> None:
    declared = {
        re.split(r"[<>=!~\[ ;]", line, maxsplit=1)[0].lower()
        for line in requires("ioc-runtime") or []
    }
    assert {"uvloop", "uvicorn", "httptools"} <= declared


def test_the_app_is_served_on_uvloop_with_the_options_given() -> None:
    served: list[Coroutine[Any, Any, None]] = []
    with (
        mock.patch("uvloop.run", side_effect=served.append) as run,
        mock.patch.object(uvicorn, "Server", wraps=uvicorn.Server) as server,
    ):
        serving.serve(
            _app,
            host="127.0.0.1",
            port=9999,
            close_stalled_after=20.0,
            access_log=False,
            proxy_headers=True,
        )
    assert run.call_count == 1
    for coroutine in served:
        coroutine.close()  # the server's, never started here
    (config,), _ = server.call_args
    assert config.app is _app
    assert (config.host, config.port) == ("127.0.0.1", 9999)
    # uvicorn creates no loop of its own: uvloop.run made the one it runs on.
    assert config.loop == "none"
    # uvicorn's logging config would replace the process's JSON logging.
    assert config.log_config is None
    assert config.access_log is False
    assert config.proxy_headers is True
    # Every service on the same strict parser, its heads bounded (`bounded_head`).
    assert config.http is BoundedHeadHttpTools
