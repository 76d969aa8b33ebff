"""docs/benchmarks.md and docs/benchmarks/*.png from one run's results.json.

uv run python -m benchmarks.report .local/bench/<run>/results.json   # re-render only
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks import plots
from benchmarks.alert_profile import alert_profile_table
from benchmarks.infrastructure import ROOT
from benchmarks.report_figures import (
    NAMES,
    SCALED,
    every_run_text,
    fmt,
    rate,
    ratio,
    status,
    verdict,
)
from benchmarks.report_latency import (
    latency_cores_table,
    latency_cost_table,
    latency_table,
    sustained_table,
)
from benchmarks.report_sections import analysis, machine_section, profile_section
from benchmarks.report_tables import (
    alerting_table,
    cpu_table,
    goals,
    memory_table,
    results_table,
    scaling_points,
    scaling_table,
)

# report_goals and the tests read the figures' formatting from here.
__all__ = [
    "NOTES",
    "TEMPLATE",
    "every_run_text",
    "fmt",
    "main",
    "rate",
    "ratio",
    "status",
    "verdict",
    "write",
]


def write(results: dict[str, Any], path: Path) -> None:
    images = path.parent / "benchmarks"
    images.mkdir(parents=True, exist_ok=True)
    ours = rate(results.get("ours"))
    labels = {**NAMES, **SCALED}
    bars = [(k, labels[k].split(" (")[0], rate(results.get(k))) for k in labels]
    plots.throughput([(k, n, v) for k, n, v in bars if v], images / "throughput.png")
    latency = results.get("latency", {})
    runs = {k: v for k, v in latency.items() if isinstance(v, dict) and "committed" in v}
    if runs:
        plots.latency(runs, images / "latency.png")
        plots.latency_timeline(runs, images / "latency-timeline.png")
    plots.scaling(scaling_points(results), images / "scaling.png")
    memory_md, memory = memory_table(results)
    if memory:
        plots.memory(memory, images / "memory.png")
    if results.get("profile"):
        plots.profile(results["profile"]["stages"], images / "profile.png")
    goal_md, figures = goals(results)
    # Imported here: the module reuses this one's formatting helpers.
    from benchmarks import report_goals

    text = TEMPLATE.read_text(encoding="utf-8").format(
        recorded=datetime.fromtimestamp(results["started"], UTC).strftime("%Y-%m-%d %H:%M UTC"),
        minutes=(results.get("finished", results["started"]) - results["started"]) / 60,
        machine=machine_section(results),
        events=fmt(results["options"]["events"]),
        scale_events=fmt(results["options"]["scale_events"]),
        peer_events=fmt(results["options"]["peer_events"]),
        naive_events=fmt(results["options"]["naive_events"]),
        latency_seconds=results["options"]["latency_seconds"],
        repeat=results["options"].get("repeat", 1),
        produce=fmt(rate(results.get("produce"))),
        series=results.get("produce", {}).get("series", "?"),
        event_bytes=fmt(results.get("produce", {}).get("mean_bytes")),
        connect_bytes=fmt(results.get("produce_connect", {}).get("mean_bytes")),
        results=results_table(results, ours),
        goals=goal_md,
        issue_goals=report_goals.issue_goals(results),
        alert_pass=report_goals.alert_pass_table(results.get("alert_pass", {})),
        alert_profile=alert_profile_table(results.get("alert_pass", {}).get("profile")),
        gateway=report_goals.gateway_table(results.get("http_gateway", {})),
        stages=report_goals.stages_table(results.get("stages", {})),
        latency=latency_table(runs, ours) if runs else status(latency) or "not run",
        latency_cost=latency_cost_table(runs, ours) if runs else "not run",
        latency_cores=latency_cores_table(runs, ours) if runs else "not run",
        sustained=sustained_table(latency.get("sustained"), ours),
        scaling=scaling_table(results),
        alerting=alerting_table(results.get("alerting", {})) or status(results.get("alerting", {})),
        memory=memory_md,
        cpu=cpu_table(results),
        profile=profile_section(results),
        analysis=analysis(results, figures),
        notes=NOTES.read_text(encoding="utf-8").strip() if NOTES.exists() else "",
    )
    path.write_text(text, encoding="utf-8")


TEMPLATE = Path(__file__).with_name("report_template.md")
# Hand-written reading of the recorded run (profile, bottlenecks); kept across re-renders.
NOTES = Path(__file__).with_name("report_notes.md")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("results", type=Path)
    parser.add_argument("--report", type=Path, default=ROOT / "docs" / "benchmarks.md")
    arguments = parser.parse_args()
    write(json.loads(arguments.results.read_text(encoding="utf-8")), arguments.report)


if __name__ == "__main__":
    main()
