"""The garbage collector's settings for a long-running service process.

A service allocates a few objects per record, per request or per judged target, nearly
all freed by reference counting at once. With CPython's default threshold (700) the
cyclic collector still runs thousands of times a minute under load, and every so often
walks everything alive: the catalog, the caches, the pass in progress. Measured, that
cost screening about a third of its time in the aggregator (`benchmarks/stages.py`) and
the alert service about a sixth of its scheduled pass over 29,000 targets
(`benchmarks/alert_pass.py`). What is alive at start-up (modules, settings, the app) is
frozen out of the walks, and the young generation is collected every 50,000 objects:
still often enough that a reference cycle is freed within seconds.
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 50_000
"""Allocations (less deallocations) between two collections of the young generation."""
OLDER_THRESHOLDS = (20, 100)
"""Collections of one generation between two of the next (CPython's are 10 and 10)."""


def tune_garbage_collector() -> None:
    """Called once by each service's entry point, after its imports, before it serves."""
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, *OLDER_THRESHOLDS)
