"""`python -m ioc_aggregator`: run the aggregator with JSON logs."""

from __future__ import annotations

import sys

from ioc_aggregator.config import AggregatorSettings
from ioc_aggregator.main import create_app
from ioc_runtime import configure_logging, load_settings, tune_garbage_collector
from ioc_runtime.serving import serve


def main() -> int:
    # A missing or wrong IOC_* variable ends here with one line each, exit code 2.
    settings = load_settings(AggregatorSettings, "ioc-aggregator")
    configure_logging("aggregator", settings.log_level, secrets=settings.secret_values())
    tune_garbage_collector()
    serve(
        create_app(settings),
        host=settings.http_host,
        port=settings.http_port,
        close_stalled_after=settings.http_stalled_after_seconds,
        access_log=False,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
