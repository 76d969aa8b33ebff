"""The consumer-lag exporter as a real process, for tests that stop the consumers."""

from __future__ import annotations

import json
from pathlib import Path

from ioc_testing.pipeline import ServiceProcess


def lag_exporter_service(
    kafka_bootstrap: str, log_path: Path, watched: list[dict[str, str]]
) -> ServiceProcess:
    """`python -m ioc_messaging.lag_exporter` measuring `watched` (each a service, group
    and topic) twice a second (not yet started)."""
    return ServiceProcess(
        "ioc_messaging.lag_exporter",
        {
            "IOC_KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
            "IOC_LAG_WATCHED": json.dumps(watched),
            "IOC_LAG_POLL_SECONDS": "0.5",
            "IOC_LOG_LEVEL": "INFO",
        },
        log_path,
    )
