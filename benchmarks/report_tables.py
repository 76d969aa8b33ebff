"""The report's tables: results, goals, latency, scaling, alerting, memory and CPU."""

from __future__ import annotations

from typing import Any

from benchmarks.report_figures import (
    MIB,
    NAMES,
    SCALED,
    every_run,
    every_run_text,
    fmt,
    rate,
    ratio,
    status,
    verdict,
)
from benchmarks.report_latency import at_shares_of_maximum


def results_table(results: dict[str, Any], ours: float | None) -> str:
    lines = [
        "| contender | events | events/s | ours ÷ this | stored exactly once, unchanged | peak memory (MiB) | notes |",
        "|---|---|---|---|---|---|---|",
    ]
    for key, name in {**NAMES, **SCALED}.items():
        result = results.get(key, {})
        if not result or result.get("skipped"):
            continue
        memory = result.get("memory", {})
        peaks = ", ".join(f"{label} {value / MIB:.0f}" for label, value in memory.items())
        notes = status(result)
        if key.startswith("kafka_connect") and "config" in result:
            notes = notes or f"tasks.max={result.get('tasks')}, batch.size=1000, upsert"
        if result.get("timed_out"):
            notes += " timed out: rate of what was committed"
        if result.get("runs"):
            notes = f"{notes}; median of passing runs; every run: {every_run_text(result)}"
            notes = notes.lstrip("; ")
        check = result.get("verified")
        verified = (
            "—" if check is None else ("yes" if check["ok"] else f"**no**: {check['differences']}")
        )
        lines.append(
            f"| {name} | {fmt(result.get('events'))} | {fmt(rate(result))} | "
            f"{fmt(ratio(ours, rate(result)), 2)} | {verified} | {peaks} | {notes} |"
        )
    return "\n".join(lines)


def goals(results: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    ours = rate(results.get("ours"))
    copy, drain = rate(results.get("raw_copy")), rate(results.get("drain"))
    limits = [v for v in (copy, drain) if v]
    lower = min(limits) if limits else None
    peer = rate(results.get("kafka_connect"))
    runs = at_shares_of_maximum(results.get("latency", {}))
    p99 = runs[0]["committed"]["p99"] if runs else None
    share = ratio(ours, lower)
    over_peer = ratio(ours, peer)
    figures = {
        "ours": ours,
        "lower_limit": lower,
        "share": share,
        "over_peer": over_peer,
        "p99": p99,
    }
    table = f"""| goal | measured | verdict |
|---|---|---|
| end to end ≥ 70% of the lower raw limit | {fmt(ours)} ÷ {fmt(lower)} = {fmt((share or 0) * 100, 0)}% | {verdict(None if share is None else share >= 0.7)} |
| ≥ 3× the Kafka Connect peer | {fmt(ours)} ÷ {fmt(peer)} = {fmt(over_peer, 2)}× | {verdict(None if over_peer is None else over_peer >= 3)} |
| p99 produce → row < 250 ms at 10% load | {fmt(p99)} ms | {verdict(None if p99 is None else p99 < 250)} |
"""
    return table, figures


def scaling_points(results: dict[str, Any]) -> dict[str, list[tuple[str, list[float]]]]:
    partitions = [
        (f"{p} partition{'s' if p > 1 else ''}", every_run(results.get(key)))
        for p, key in ((1, "ours_1p"), (3, "ours_3p"), (6, "ours"))
    ]
    replicas = [
        ("1 replica", every_run(results.get("ours"))),
        ("2 replicas", every_run(results.get("ours_2_replicas"))),
    ]
    return {"1 aggregator, by partitions": partitions, "6 partitions, by replicas": replicas}


def scaling_table(results: dict[str, Any]) -> str:
    rows = (
        ("1 aggregator, 1 partition", "ours_1p", "scale_events"),
        ("1 aggregator, 3 partitions", "ours_3p", "scale_events"),
        ("1 aggregator, 6 partitions", "ours", "events"),
        ("2 aggregators (one group), 6 partitions", "ours_2_replicas", "events"),
    )
    lines = [
        "| setup | events | events/s end to end (median of passing runs) | every run |",
        "|---|---|---|---|",
    ]
    for title, key, size in rows:
        result = results.get(key, {})
        every = every_run_text(result)
        lines.append(
            f"| {title} | {fmt(results['options'][size])} | {fmt(rate(result))} | {every} |"
        )
    return "\n".join(lines)


def alerting_table(alerting: dict[str, Any]) -> str:
    lines = [
        "| step | new state | first email (ms) | last of the emails (ms) | emails |",
        "|---|---|---|---|---|",
    ]
    for number, sample in enumerate(alerting.get("samples", []), 1):
        lines.append(
            f"| {number} | {sample['kind']} | {fmt(sample['first_email_ms'])} | "
            f"{fmt(sample['last_email_ms'])} | {sample['emails']} |"
        )
    return "\n".join(lines)


def memory_table(results: dict[str, Any]) -> tuple[str, dict[str, dict[str, int]]]:
    table: dict[str, dict[str, int]] = {}
    keys = {**NAMES, **SCALED}
    for key, name in keys.items():
        memory = results.get(key, {}).get("memory")
        if memory:
            table[name.split(":")[0].split(" (")[0]] = memory
    labels = sorted({label for peaks in table.values() for label in peaks})
    lines = ["| contender | " + " | ".join(labels) + " |", "|---|" + "---|" * len(labels)]
    for name, peaks in table.items():
        cells = " | ".join(fmt(peaks[label] / MIB) if label in peaks else "—" for label in labels)
        lines.append(f"| {name} | {cells} |")
    return "\n".join(lines), table


def cpu_table(results: dict[str, Any]) -> str:
    keys = {**NAMES, **SCALED}
    rows = {
        name.split(":")[0].split(" (")[0]: results[key]["cpu_cores"]
        for key, name in keys.items()
        if results.get(key, {}).get("cpu_cores")
    }
    labels = sorted({label for cores in rows.values() for label in cores})
    lines = [
        "| contender | " + " | ".join(labels) + " | sum |",
        "|---|" + "---|" * (len(labels) + 1),
    ]
    for name, cores in rows.items():
        cells = " | ".join(fmt(cores.get(label), 2) if label in cores else "—" for label in labels)
        lines.append(f"| {name} | {cells} | {fmt(sum(cores.values()), 2)} |")
    return "\n".join(lines)
