"""Timed code runs in a process set up as the service's own entry point sets it up.

A benchmark that imports a service's use case (the aggregator's stages, the alert
service's pass) would otherwise run it with CPython's default garbage collector and
asyncio's loop, which the service never does (`ioc_runtime.collector`,
`ioc_runtime.serving`), and measure a slower service than the one deployed.
"""

from __future__ import annotations

import importlib


def as_the_service_runs(service: str) -> None:
    """The collector settings of `ioc_<service>`'s entry point, where the checkout being
    measured has them (a side-by-side run may import an older checkout's code)."""
    entry = importlib.import_module(f"ioc_{service}.__main__")
    tune = getattr(entry, "tune_garbage_collector", None)
    if tune is not None:
        tune()
