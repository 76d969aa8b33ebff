"""The report's latency tables: each run's distribution, its cost to the aggregator,
the cores in use while it ran, and the probes for the rate sustained live."""

from __future__ import annotations

from typing import Any

from benchmarks.report_figures import fmt


def at_shares_of_maximum(latency: dict[str, Any]) -> list[dict[str, Any]]:
    """The latency runs at shares of the maximum (10%, 50%, 90%), in order: not the
    warm-up, the trickle or the run at 90% of the rate sustained live."""
    return [
        run
        for run in latency.values()
        if isinstance(run, dict)
        and "committed" in run
        and not run.get("trickle")
        and not run.get("warm_up")
        and "of_sustained" not in run
    ]


def latency_table(runs: dict[str, Any], top: float | None) -> str:
    lines = [
        "| load | rate asked → achieved (events/s) | events | p10 | p50 | p90 | p99 | max | received p50 / p99 | Kafka ack p50 / p99 |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for run in runs.values():
        c, w, a = run["committed"], run["write_started"], run["acknowledged"]
        load = load_label(run, top)
        lines.append(
            f"| {load} | {run['rate']:.0f} → {run['achieved_rate']:.0f} | {c['count']} | "
            f"{fmt(c['p10'])} | {fmt(c['p50'])} | {fmt(c['p90'])} | {fmt(c['p99'])} | {fmt(c['max'])} | "
            f"{fmt(w['p50'])} / {fmt(w['p99'])} | {fmt(a['p50'])} / {fmt(a['p99'])} |"
        )
    return "\n".join(lines)


def load_label(run: dict[str, Any], top: float | None) -> str:
    """What a latency run's rate was: a share of the maximum, of the rate sustained
    live, the fixed trickle, or the warm-up before them; without a maximum (a partial run
    of `--latency-rates` alone) the rate asked."""
    if run.get("trickle"):
        return "trickle"
    if run.get("warm_up"):
        return f"warm-up ({run['rate'] / top * 100:.0f}%, not judged)" if top else "warm-up"
    if "of_sustained" in run:
        return f"{run['of_sustained'] * 100:.0f}% of sustained"
    return f"{run['rate'] / top * 100:.0f}%" if top else f"{run['rate']:.0f} events/s"


def latency_cost_table(runs: dict[str, Any], top: float | None) -> str:
    """What each live rate cost the aggregator: its CPU per event, and how many events
    shared each transaction's fixed costs (runs recorded before 2026-12-06 have none)."""
    lines = [
        "| load | rate (events/s) | aggregator CPU per event (µs) | cores | transactions | events per transaction | screenings | SeriesUpdated |",
        "|---|---|---|---|---|---|---|---|",
    ]
    costed = [run for run in runs.values() if "aggregator" in run]
    for run in costed:
        cost = run["aggregator"]
        load = load_label(run, top)
        cores = cost["cpu_us_per_event"] * run["achieved_rate"] / 1e6
        lines.append(
            f"| {load} | {run['rate']:.0f} | {fmt(cost['cpu_us_per_event'])} | {fmt(cores, 2)} | "
            f"{cost['transactions']:.0f} | {fmt(cost['events_per_transaction'])} | "
            f"{cost['screenings']:.0f} | {cost['series_updates']:.0f} |"
        )
    return "\n".join(lines) if costed else "not recorded in this run"


def sustained_table(sustained: dict[str, Any] | None, top: float | None) -> str:
    """The probes for the rate sustained live, each with whether the pipeline kept up."""
    if not sustained or not sustained.get("probes"):
        return "not probed"
    lines = [
        "| share of the maximum | rate asked → achieved (events/s) | p99 (ms) | max (ms) | kept up |",
        "|---|---|---|---|---|",
    ]
    for probe in sustained["probes"]:
        c = probe["committed"]
        share = f"{probe['rate'] / top * 100:.0f}%" if top else "?"
        kept = probe["kept_up"]
        lines.append(
            f"| {share} | {probe['rate']:.0f} → {probe['achieved_rate']:.0f} | "
            f"{fmt(c['p99'])} | {fmt(c['max'])} | {'yes' if kept else 'no'} |"
        )
    if sustained.get("stopped"):
        lines.append(f"\nProbing stopped early: {sustained['stopped']}.")
    return "\n".join(lines)


_CORE_GROUPS = (
    "aggregator",
    "load generator",
    "kafka broker",
    "postgresql",
    "autovacuum",
    "benchmark harness",
)


def latency_cores_table(runs: dict[str, Any], top: float | None) -> str:
    """Who used the two cores while each live run sent (runs recorded before
    2026-12-07 have no such figures and are left out)."""
    sampled = [run for run in runs.values() if run.get("cores")]
    if not sampled:
        return "not recorded in this run"
    lines = [
        "| load | " + " | ".join(_CORE_GROUPS) + " | whole machine |",
        "|---|" + "---|" * (len(_CORE_GROUPS) + 1),
    ]
    for run in sampled:
        cores = [fmt(run["cores"].get(group), 2) for group in _CORE_GROUPS]
        lines.append(
            f"| {load_label(run, top)} | "
            + " | ".join(cores)
            + f" | {fmt(run.get('machine_cores'), 2)} |"
        )
    return "\n".join(lines)
