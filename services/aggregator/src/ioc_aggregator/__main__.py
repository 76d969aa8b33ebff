"""`python -m ioc_aggregator`: run the aggregator with JSON logs."""

from __future__ import annotations

import gc
import sys

from ioc_aggregator.config import AggregatorSettings
from ioc_aggregator.main import create_app
from ioc_runtime import configure_logging, load_settings
from ioc_runtime.serving import serve


def tune_garbage_collector() -> None:
    """Fewer collections on the hot path. Every batch allocates a few objects per record;
    with the default threshold (700) the collector runs several times a batch and walks
    everything alive, which cost screening about a third of its time once batches were
    in flight (benchmarks/stages.py). What was alive at start-up (modules, the app) is
    frozen out of the walks; the young generation is collected every 50,000 objects."""
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


def main() -> int:
    # A missing or wrong IOC_* variable ends here with one line each, exit code 2.
    settings = load_settings(AggregatorSettings, "ioc-aggregator")
    configure_logging("aggregator", settings.log_level, secrets=settings.secret_values())
    tune_garbage_collector()
    serve(create_app(settings), host=settings.http_host, port=settings.http_port, access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
