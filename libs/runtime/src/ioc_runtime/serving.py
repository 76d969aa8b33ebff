"""Serving a service's ASGI app: on uvloop, with the process's own JSON logging.

Every service runs through here, so each runs on the event loop its speed is measured
on. uvicorn's `loop="auto"` takes uvloop only when some
package happened to install it, and a service's image installs that service's
dependencies alone: the alert and derived services once ran on asyncio's loop in their
images while the workspace, with the ingest gateway's `uvicorn[standard]`, had uvloop.
Here uvloop is named, and this package declares it, so every service that serves
through it has it; the same for the HTTP parser, httptools, handed to uvicorn with a
request's head bounded (`bounded_head`).
"""

from __future__ import annotations

from typing import Any

import uvicorn
import uvloop

from ioc_runtime.bounded_head import protocol_options
from ioc_runtime.stalled_connections import serve_closing_stalled


def serve(app: Any, *, host: str, port: int, close_stalled_after: float, **options: Any) -> None:
    """Runs `app` until SIGTERM or Ctrl-C, closing connections with no request under way
    for `close_stalled_after` seconds (`stalled_connections`). `options` are uvicorn's
    (`access_log`, `proxy_headers`, ...); its own logging config is never applied, as it
    would replace the JSON logging the process configured."""
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=None,
        loop="none",
        **protocol_options(),  # a request's head bounded (`bounded_head`)
        **options,
    )
    uvloop.run(serve_closing_stalled(uvicorn.Server(config), after=close_stalled_after))
