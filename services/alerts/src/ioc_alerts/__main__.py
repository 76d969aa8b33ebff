"""`python -m ioc_alerts`: run the alert service with JSON logs."""

from __future__ import annotations

import sys

from ioc_alerts.config import AlertsSettings
from ioc_alerts.main import create_app
from ioc_runtime import configure_logging, load_settings, tune_garbage_collector
from ioc_runtime.serving import serve


def main() -> int:
    # A missing or wrong IOC_* variable ends here with one line each, exit code 2.
    settings = load_settings(AlertsSettings, "ioc-alerts")
    configure_logging("alerts", settings.log_level, secrets=settings.secret_values())
    tune_garbage_collector()
    serve(
        create_app(settings, clock=settings.clock()),
        host=settings.http_host,
        port=settings.http_port,
        close_stalled_after=settings.http_stalled_after_seconds,
        access_log=False,
        # The client address (audit, the per-address limit) comes from X-Forwarded-For
        # only when the proxy's address is listed here.
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        server_header=False,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
