"""The report says when the 70% goal is out of reach by its own arithmetic: raw COPY
into every table ours must write, from memory, is under 70% of raw COPY of the ledger."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import report_sections  # noqa: E402  (the benchmarks are run, not installed)

OUT_OF_REACH = "can reach 70% of raw COPY on this machine"


def _analysis(copy: float, every: float) -> str:
    results = {
        "raw_copy": {"events_per_second": copy},
        "raw_copy_all": {"events_per_second": every},
        "drain": {"events_per_second": 200_000.0},
        "ours": {"events_per_second": 30_000.0},
    }
    return report_sections.analysis(results, {"share": 30_000.0 / copy, "ours": 30_000.0})


def test_a_limit_below_the_goal_is_said_with_its_share() -> None:
    text = _analysis(90_000.0, 45_000.0)
    assert "Writing those rows alone, from memory, reaches 50% of raw COPY" in text
    assert OUT_OF_REACH in text


def test_a_limit_above_the_goal_says_nothing_of_reach() -> None:
    assert OUT_OF_REACH not in _analysis(90_000.0, 72_000.0)
