"""`python -m ioc_ingest`: the gateway under uvicorn on uvloop, logging JSON lines to stderr."""

from __future__ import annotations

import sys

from ioc_ingest.config import IngestSettings
from ioc_ingest.main import create_app
from ioc_runtime import configure_logging, load_settings, tune_garbage_collector
from ioc_runtime.serving import serve


def main() -> int:
    # A missing or wrong IOC_* variable ends here with one line each, exit code 2.
    settings = load_settings(IngestSettings, "ioc-ingest")
    configure_logging("ingest", settings.log_level, secrets=settings.secret_values())
    tune_garbage_collector()
    serve(
        create_app(settings),
        host=settings.http_host,
        port=settings.http_port,
        close_stalled_after=settings.http_stalled_after_seconds,
        # Behind the TLS proxy the client address comes from X-Forwarded-For; uvicorn
        # trusts it only from the addresses in IOC_FORWARDED_ALLOW_IPS.
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        server_header=False,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
