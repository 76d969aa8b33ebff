"""The collector's settings, applied in a process of its own (they are process-wide)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

_PROBE = textwrap.dedent(
    """
    import gc, json, weakref
    from ioc_runtime import tune_garbage_collector

    frozen_before = gc.get_freeze_count()
    tune_garbage_collector()

    class Node:
        pass

    # A reference cycle no one holds: only the cyclic collector frees it.
    first, second = Node(), Node()
    first.other, second.other = second, first
    watched = weakref.ref(first)
    del first, second
    # Long-lived objects, as a service's caches and its catalog are.
    kept = [[i] for i in range(120_000)]
    print(json.dumps({
        "threshold": gc.get_threshold(),
        "frozen_before": frozen_before,
        "frozen_after": gc.get_freeze_count(),
        "enabled": gc.isenabled(),
        "cycle_freed": watched() is None,
    }))
    """
)


def _probe() -> dict[str, object]:
    completed = subprocess.run(
        [sys.executable, "-c", _PROBE], capture_output=True, text=True, check=True
    )
    result: dict[str, object] = json.loads(completed.stdout)
    return result


def test_start_up_objects_are_frozen_and_the_young_generation_is_collected_less_often() -> None:
    probe = _probe()
    assert probe["threshold"] == [50_000, 20, 100]
    assert isinstance(probe["frozen_after"], int)
    assert isinstance(probe["frozen_before"], int)
    # The modules imported so far (thousands of objects) leave the collector's walks.
    assert probe["frozen_after"] > probe["frozen_before"] + 1_000


def test_the_collector_still_frees_reference_cycles() -> None:
    probe = _probe()
    assert probe["enabled"] is True
    # After more than one young generation's worth of allocations, the cycle is gone.
    assert probe["cycle_freed"] is True
