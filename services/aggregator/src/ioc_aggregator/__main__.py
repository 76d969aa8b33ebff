"""`python -m ioc_aggregator`: run the aggregator with JSON logs."""

from __future__ import annotations

import uvicorn

from ioc_aggregator.config import AggregatorSettings
from ioc_aggregator.main import create_app
from ioc_runtime import configure_logging


def main() -> None:
    settings = AggregatorSettings()
    configure_logging("aggregator", settings.log_level)
    uvicorn.run(
        create_app(settings),
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        access_log=False,
    )


if __name__ == "__main__":
    main()
