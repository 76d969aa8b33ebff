"""`python -m ioc_aggregator`: run the aggregator with JSON logs."""

from __future__ import annotations

import sys

import uvicorn
from pydantic import ValidationError

from ioc_aggregator.config import AggregatorSettings
from ioc_aggregator.main import create_app
from ioc_runtime import configure_logging, settings_error


def main() -> int:
    try:
        settings = AggregatorSettings()
    except ValidationError as error:
        # Names the variable, never its value (a DSN holds a password).
        print(settings_error("ioc-aggregator", error), file=sys.stderr)
        return 2
    configure_logging("aggregator", settings.log_level, secrets=settings.secret_values())
    uvicorn.run(
        create_app(settings),
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        access_log=False,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
