"""`python -m ioc_messaging.lag_exporter`: run the consumer-lag exporter with JSON logs."""

from __future__ import annotations

import argparse
import asyncio
import sys

from ioc_messaging.lag_exporter import __doc__ as about
from ioc_messaging.lag_exporter.app import run
from ioc_messaging.lag_exporter.settings import LagExporterSettings
from ioc_messaging.settings import KafkaSettings
from ioc_runtime import configure_logging, load_settings

CLIENT_ID = "ioc-lag-exporter"

SETTINGS_HELP = """settings (environment):
  IOC_LAG_WATCHED        JSON list of {"service", "group", "topic"}; the pipeline's groups
  IOC_LAG_POLL_SECONDS   how often the broker is asked (default 10)
  IOC_HTTP_HOST, IOC_HTTP_PORT
                         where /metrics, /healthz and /readyz are served (127.0.0.1:9105)
  IOC_KAFKA_*            brokers, TLS and SASL, as for every service
"""


def main(argv: list[str] | None = None) -> int:
    # Help is answered before anything is read, started or logged.
    argparse.ArgumentParser(
        prog="python -m ioc_messaging.lag_exporter",
        description=about,
        epilog=SETTINGS_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    ).parse_args(argv)
    # A missing or wrong IOC_* variable ends here with one line each, exit code 2.
    settings = load_settings(LagExporterSettings, CLIENT_ID)
    kafka = load_settings(KafkaSettings, CLIENT_ID)
    if "client_id" not in kafka.model_fields_set:
        kafka = kafka.model_copy(update={"client_id": CLIENT_ID})
    configure_logging("lag-exporter", settings.log_level, secrets=settings.secret_values())
    asyncio.run(run(settings, kafka))
    return 0


if __name__ == "__main__":
    sys.exit(main())
