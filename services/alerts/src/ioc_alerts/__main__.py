"""`python -m ioc_alerts`: run the alert service with JSON logs."""

from __future__ import annotations

import uvicorn

from ioc_alerts.config import AlertsSettings
from ioc_alerts.main import create_app
from ioc_runtime import configure_logging


def main() -> None:
    settings = AlertsSettings()
    configure_logging("alerts", settings.log_level)
    uvicorn.run(
        create_app(settings, clock=settings.clock()),
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        access_log=False,
    )


if __name__ == "__main__":
    main()
