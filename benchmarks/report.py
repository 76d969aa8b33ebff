"""docs/benchmarks.md and docs/benchmarks/*.png from one run's results.json.

uv run python -m benchmarks.report .local/bench/<run>/results.json   # re-render only
"""

from __future__ import annotations

import argparse
import json
import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks import plots
from benchmarks.infrastructure import ROOT
from benchmarks.profile import wall_clock

NAMES = {
    "raw_copy": "raw COPY from memory (limit)",
    "drain": "drain the topic, no database (limit)",
    "ours": "ours: aggregator, end to end",
    "kafka_connect": "Kafka Connect + Debezium JDBC sink (peer)",
    "naive": "naive: INSERT + commit per message (floor)",
}
# Rows of the results table beyond the five contenders: the scaled-out variants.
SCALED = {
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


def machine_section(results: dict[str, Any]) -> str:
    m = results.get("machine", {})
    before, after = results.get("load_before", {}), results.get("load_after", {})
    busiest = "; ".join(before.get("busiest", [])) or "nothing above 1%"
    peer = results.get("kafka_connect", {}).get("versions", {})
    return f"""| | |
|---|---|
| CPU | {m.get("cpu", "?")}, {m.get("cores", "?")} cores |
| memory | {m.get("memory", "?")} |
| OS | {m.get("os", "?")} |
| Kafka | {m.get("kafka", "?")} (one KRaft node, 512 MB heap, `./dev up`) |
| PostgreSQL / TimescaleDB | {m.get("postgresql", "?")} / {m.get("timescaledb", "?")} (Apache edition) |
| Kafka Connect / Debezium JDBC sink / PostgreSQL JDBC | {m.get("kafka", "?")} standalone, 256 MB heap / {peer.get("debezium", "?")} / {peer.get("postgresql_jdbc", "?")} |
| Python / aiokafka / asyncpg / FastStream | {m.get("python", "?")} / {m.get("aiokafka", "?")} / {m.get("asyncpg", "?")} / {m.get("faststream", "?")} |
| Java | {m.get("java", "?")} |
| load average before / after (1 min) | {fmt(before.get("load1"), 2)} / {fmt(after.get("load1"), 2)} |
| busiest processes at the start | {busiest} |
"""


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
    runs = [
        v for v in results.get("latency", {}).values() if isinstance(v, dict) and "committed" in v
    ]
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


def latency_table(runs: dict[str, Any], top: float | None) -> str:
    lines = [
        "| load | rate asked → achieved (events/s) | events | p10 | p50 | p90 | p99 | max | write started p50 / p99 | Kafka ack p50 / p99 |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for run in runs.values():
        c, w, a = run["committed"], run["write_started"], run["acknowledged"]
        load = f"{run['rate'] / top * 100:.0f}%" if top else "?"
        lines.append(
            f"| {load} | {run['rate']:.0f} → {run['achieved_rate']:.0f} | {c['count']} | "
            f"{fmt(c['p10'])} | {fmt(c['p50'])} | {fmt(c['p90'])} | {fmt(c['p99'])} | {fmt(c['max'])} | "
            f"{fmt(w['p50'])} / {fmt(w['p99'])} | {fmt(a['p50'])} / {fmt(a['p99'])} |"
        )
    return "\n".join(lines)


def every_run_text(result: dict[str, Any]) -> str:
    """Each run's figure in order; a run that failed its check as ✗ with the reason."""
    shown = []
    for run in result.get("runs", []):
        if run.get("failure"):
            shown.append(f"✗ {str(run['failure'])[:80]}")
        else:
            shown.append(fmt(run.get("events_per_second")))
    return " / ".join(shown) or fmt(rate(result))


def every_run(result: dict[str, Any] | None) -> list[float]:
    values = (result or {}).get("repeats") or [rate(result)]
    return [float(v) for v in values if v]


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


def wall_clock_section(results: dict[str, Any]) -> str:
    trace = results.get("ours_profiled", {}).get("trace")
    if not trace:
        return "No stage timers were recorded in this run."
    batches = trace.get("calls", {}).get("batches", 0)
    rows = "\n".join(
        f"| {name} | {'in the background' if background else 'in turn'} | {seconds:.2f} | "
        f"{share * 100:.1f}% | {per_batch:.1f} |"
        for name, seconds, share, per_batch, background in wall_clock(trace)
    )
    return f"""Wall-clock time of the profiled run ({fmt(batches)} batches), from timers around
the aggregator's own functions (`benchmarks/traced_aggregator.py`, same code otherwise).
The handler's stages run in turn and, with the wait between batches, make up the wall
time; each batch is finished (stored, announced, committed) in the background while the
handler fetches and screens the next, so those shares overlap the others:

| stage | runs | seconds | share of wall time | ms per batch |
|---|---|---|---|---|
{rows}
"""


def profile_section(results: dict[str, Any]) -> str:
    main = results.get("ours", {})
    metrics = main.get("metrics", {})
    batches = metrics.get("ioc_aggregator_batch_size_count", 0)
    mean_batch = metrics.get("ioc_aggregator_batch_size_sum", 0) / batches if batches else None
    updates = metrics.get("ioc_aggregator_series_updates_total")
    cores = main.get("cpu_cores", {})
    busy = sum(cores.values())
    pace = (
        "the two cores were not saturated, so waits inside the aggregator (for the database, "
        "for Kafka), not the hardware, set the pace"
        if busy < 1.6
        else "the two cores were close to saturated"
    )
    summary = f"""In the main run (one aggregator, 6 partitions): {fmt(batches)} batches of
{fmt(mean_batch)} records on average; {fmt(updates)} `SeriesUpdated` messages published
for {fmt(main.get("events"))} events. The aggregator process used
{fmt(cores.get("aggregator"), 2)} of a core, PostgreSQL {fmt(cores.get("postgresql"), 2)},
the broker {fmt(cores.get("kafka broker"), 2)} ({fmt(busy, 2)} of 2 in all): {pace}.

{wall_clock_section(results)}"""
    profile = results.get("profile")
    if not profile:
        return summary + "\nNo py-spy profile was recorded in this run."
    stages = "\n".join(f"| {name} | {share * 100:.1f}% |" for name, share in profile["stages"])
    top = "\n".join(f"| `{name}` | {share * 100:.1f}% |" for name, share in profile["top_self"])
    return f"""{summary}
CPU time of the same run: py-spy (`record --rate 200 --nonblocking`, 15 s; {fmt(profile["samples"], 1)} s
of samples on a CPU; open [the speedscope profile](benchmarks/aggregator-profile.speedscope.json)
at speedscope.app):

| stage of a batch (innermost frame) | share of CPU samples |
|---|---|
{stages}

| hottest functions (self time) | share |
|---|---|
{top}

![where the aggregator's time goes](benchmarks/profile.png)
"""


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
        gateway=report_goals.gateway_table(results.get("http_gateway", {})),
        stages=report_goals.stages_table(results.get("stages", {})),
        latency=latency_table(runs, ours) if runs else status(latency) or "not run",
        scaling=scaling_table(results),
        alerting=alerting_table(results.get("alerting", {})) or status(results.get("alerting", {})),
        memory=memory_md,
        cpu=cpu_table(results),
        profile=profile_section(results),
        analysis=analysis(results, figures),
        notes=NOTES.read_text(encoding="utf-8").strip() if NOTES.exists() else "",
    )
    path.write_text(text, encoding="utf-8")


def analysis(results: dict[str, Any], figures: dict[str, Any]) -> str:
    """The few sentences that follow from the figures (re-derived on every run)."""
    lines = []
    copy, drain = rate(results.get("raw_copy")), rate(results.get("drain"))
    if copy and drain:
        lower = "raw COPY" if copy < drain else "the drain"
        lines.append(f"- The lower raw limit is {lower} ({fmt(min(copy, drain))} events/s).")
    if figures["share"] is not None:
        lines.append(
            f"- End to end we reach {figures['share'] * 100:.0f}% of it "
            f"(goal 70%): {'met' if figures['share'] >= 0.7 else 'not met'}."
        )
    two = rate(results.get("ours_2_replicas"))
    wide = rate(results.get("kafka_connect_wide"))
    if two and wide:
        tasks = results["kafka_connect_wide"].get("tasks", "?")
        lines.append(
            f"- Scaled out, two aggregators ({fmt(two)} events/s) against the peer with "
            f"tasks.max={tasks} ({fmt(wide)} events/s): {two / wide:.2f}×."
        )
    if two and figures["ours"]:
        busy = sum(results["ours_2_replicas"].get("cpu_cores", {}).values())
        why = (
            "the machine's two cores were then nearly all in use, so a third process "
            "would have nothing left to run on"
            if busy >= 1.6
            else "each replica spends much of its time waiting (database, Kafka "
            "acknowledgements), and a second one fills some of those waits; the cores "
            f"were still not saturated ({busy:.2f} of 2 in use)"
        )
        lines.append(
            f"- A second replica gives {two / figures['ours']:.2f}× the throughput of one: {why}."
        )
    profile = results.get("profile")
    if profile and profile["stages"]:
        name, share = profile["stages"][0]
        lines.append(
            f"- The aggregator's largest cost under load is {name} ({share * 100:.0f}% of its CPU)."
        )
    return "\n".join(lines)


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
