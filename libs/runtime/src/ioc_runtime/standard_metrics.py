"""What every service's /metrics carries besides its own metrics, by Prometheus' conventions.

Services build their metrics against a registry of their own (tests get a fresh one),
which starts empty: the process metrics (CPU, memory, open files, start time), the
Python GC and platform metrics the default registry has are added here, with a
`<service>_build_info` gauge (value 1, the version in its labels) so a dashboard can tell
which version ran when.
"""

from __future__ import annotations

import platform
from importlib.metadata import PackageNotFoundError, version

from prometheus_client import (
    CollectorRegistry,
    Gauge,
    GCCollector,
    PlatformCollector,
    ProcessCollector,
)


def package_version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


def register_standard_metrics(registry: CollectorRegistry, *, prefix: str, package: str) -> None:
    """Process, GC and platform collectors and `<prefix>_build_info` on `registry`."""
    ProcessCollector(registry=registry)
    GCCollector(registry=registry)
    PlatformCollector(registry=registry)
    build = Gauge(
        f"{prefix}_build_info",
        "Always 1; the running build's version in the labels",
        ["version", "python_version"],
        registry=registry,
    )
    build.labels(package_version(package), platform.python_version()).set(1)
