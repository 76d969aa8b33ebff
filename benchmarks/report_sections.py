"""The report's prose sections: the machine, where the aggregator's time goes, and the
analysis that follows from the figures (re-derived on every run)."""

from __future__ import annotations

from typing import Any

from benchmarks.profile import profile_tables, wall_clock
from benchmarks.report_figures import fmt, rate


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
    machine = main.get("machine_cores")
    pace = (
        "the two cores were not saturated, so waits inside the aggregator (for the database, "
        "for Kafka), not the hardware, set the pace"
        if (machine or busy) < 1.8
        else "the two cores were close to saturated"
    )
    if machine is not None:
        pace = (
            f"the whole machine used {machine:.2f} of 2 (the rest: this harness, the "
            f"kernel's network and disk work); {pace}"
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
    return f"""{summary}
CPU time of the same run: py-spy (`record --rate 200 --nonblocking`, 15 s; {fmt(profile["samples"], 1)} s
of samples on a CPU; open [the speedscope profile](benchmarks/aggregator-profile.speedscope.json)
at speedscope.app):

{profile_tables(profile, "stage of a batch (innermost frame)")}

![where the aggregator's time goes](benchmarks/profile.png)
"""


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
    every = rate(results.get("raw_copy_all"))
    if copy and every and figures["ours"]:
        lines.append(
            f"- Raw COPY of the ledger alone is {copy / every:.2f}× raw COPY into every table "
            f"ours writes for a new event (its id, the ledger, its figure of record: "
            f"{fmt(every)} events/s); against that limit ours reaches "
            f"{figures['ours'] / every * 100:.0f}%."
        )
        if every / copy < 0.7:
            # The goal's own arithmetic: what ours must write costs more than it allows.
            lines.append(
                f"- Writing those rows alone, from memory, reaches {every / copy * 100:.0f}% "
                "of raw COPY of the ledger: no consumer that writes these rows into this "
                "schema (each event's id and its figure of record, as the integrity rules "
                "require) can reach 70% of raw COPY on this machine, however little CPU it "
                "spends."
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
        lines.append(_second_replica(results, two / figures["ours"]))
    profile = results.get("profile")
    if profile and profile["stages"]:
        name, share = profile["stages"][0]
        lines.append(
            f"- The aggregator's largest cost under load is {name} ({share * 100:.0f}% of its CPU)."
        )
    return "\n".join(lines)


def _cores(result: dict[str, Any]) -> str:
    used = result.get("cpu_cores") or {}
    return ", ".join(f"{name} {value:.2f}" for name, value in sorted(used.items()))


def _second_replica(results: dict[str, Any], gain: float) -> str:
    """Where the second core goes: each process group's cores with one replica and with
    two, and how long the second replica waited for its partitions."""
    one, two = results["ours"], results["ours_2_replicas"]
    busy = sum((two.get("cpu_cores") or {}).values())
    machines = [run.get("machine_cores") for run in (one, two)]
    whole = (
        f"; the whole machine {machines[0]:.2f} and {machines[1]:.2f} of 2"
        if None not in machines
        else ""
    )
    joined = two.get("all_members_after")
    wait = (
        f"; the second replica had its partitions {joined:.1f} s after the first row "
        "(the group forms around the first member, the other joins at its next heartbeat)"
        if joined is not None
        else ""
    )
    return (
        f"- A second replica gives {gain:.2f}× the throughput of one. Cores in use with one "
        f"replica: {_cores(one)}; with two: {_cores(two)} ({busy:.2f} of 2){whole}{wait}."
    )
