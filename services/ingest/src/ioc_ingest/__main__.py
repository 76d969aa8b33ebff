"""`python -m ioc_ingest`: the gateway under uvicorn, logging JSON lines to stderr."""

from __future__ import annotations

import sys

import uvicorn
from pydantic import ValidationError

from ioc_ingest.config import IngestSettings
from ioc_ingest.main import create_app
from ioc_runtime.logging import configure_logging


def main() -> int:
    try:
        settings = IngestSettings()
    except ValidationError as error:
        print(f"ioc-ingest: invalid settings:\n{error}", file=sys.stderr)
        return 2
    configure_logging("ingest", settings.log_level)
    uvicorn.run(
        create_app(settings),
        host=settings.http_host,
        port=settings.http_port,
        # Our JSON logging is already configured; uvicorn's own config would replace it.
        log_config=None,
        # Behind the TLS proxy the client address comes from X-Forwarded-For; uvicorn
        # trusts it only from FORWARDED_ALLOW_IPS (127.0.0.1 unless set).
        proxy_headers=True,
        server_header=False,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
