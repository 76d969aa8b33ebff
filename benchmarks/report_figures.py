"""How the report states a figure: a contender's rate, numbers, verdicts, a run's status."""

from __future__ import annotations

import math
from typing import Any

NAMES = {
    "raw_copy": "raw COPY from memory (limit)",
    "drain": "drain the topic, no database (limit)",
    "ours": "ours: aggregator, end to end",
    "kafka_connect": "Kafka Connect + Debezium JDBC sink (peer)",
    "naive": "naive: INSERT + commit per message (floor)",
}
# Rows of the results table beyond the five contenders: the limit of every table the
# aggregator writes, and the scaled-out variants.
SCALED = {
    "raw_copy_all": "raw COPY into every table ours writes (limit)",
    "ours_2_replicas": "ours, 2 replicas in one group",
    "kafka_connect_wide": "Kafka Connect, twice the tasks",
}
MIB = 2**20


def rate(result: dict[str, Any] | None) -> float | None:
    if not result or "events_per_second" not in result:
        return None
    value = float(result["events_per_second"])
    return value if value > 0 and not math.isnan(value) else None


def fmt(value: float | None, digits: int = 0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:,.{digits}f}"


def ratio(top: float | None, bottom: float | None) -> float | None:
    return top / bottom if top and bottom else None


def verdict(met: bool | None) -> str:
    return "not measured" if met is None else ("**met**" if met else "**not met**")


def status(result: dict[str, Any]) -> str:
    if "disturbed" in result:
        return f"disturbed: {result['disturbed']}"
    if "blocked" in result:
        return f"blocked: `{result['blocked']}`"
    if "failed" in result:
        return f"failed: `{result['failed']}`"
    return ""


def every_run_text(result: dict[str, Any]) -> str:
    """Each run's figure in order; a run that failed its check as ✗ with the reason; for
    replicas, when the last of them got its partitions."""
    shown = []
    for run in result.get("runs", []):
        if run.get("failure"):
            shown.append(f"✗ {str(run['failure'])[:80]}")
        else:
            shown.append(fmt(run.get("events_per_second")))
        if "all_members_after" in run:
            shown[-1] += f" (all in at {run['all_members_after']:.1f} s)"
    return " / ".join(shown) or fmt(rate(result))


def every_run(result: dict[str, Any] | None) -> list[float]:
    values = (result or {}).get("repeats") or [rate(result)]
    return [float(v) for v in values if v]
