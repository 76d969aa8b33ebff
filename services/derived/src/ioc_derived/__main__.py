"""`python -m ioc_derived`: run the derived-indicator service with JSON logs."""

from __future__ import annotations

import uvicorn

from ioc_derived.config import DerivedSettings
from ioc_derived.main import create_app
from ioc_runtime import configure_logging


def main() -> None:
    settings = DerivedSettings()
    configure_logging("derived", settings.log_level)
    uvicorn.run(
        create_app(settings),
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        access_log=False,
    )


if __name__ == "__main__":
    main()
