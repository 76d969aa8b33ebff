"""The goals of the speed issue with a verdict each, and the tables of the alert pass,
the HTTP gateway and the aggregator's stages alone, for docs/benchmarks.md."""

from __future__ import annotations

from typing import Any

from benchmarks.report import fmt, rate, ratio, status, verdict
from benchmarks.report_latency import at_shares_of_maximum


def _latency_p99(results: dict[str, Any]) -> list[float | None]:
    """p99 produce → row at each load of the latency step, in order (10%, 50%, 90% of
    the maximum measured on a prefilled topic)."""
    return [run["committed"].get("p99") for run in at_shares_of_maximum(results.get("latency", {}))]


def _sustained_p99(results: dict[str, Any]) -> tuple[float | None, float | None]:
    """The rate sustained live and the p99 of the run at 90% of it."""
    latency = results.get("latency", {})
    run = next((v for v in latency.values() if isinstance(v, dict) and "of_sustained" in v), {})
    return (latency.get("sustained") or {}).get("rate"), run.get("committed", {}).get("p99")


def aggregator_cpu_us(result: dict[str, Any] | None) -> float | None:
    """Aggregator CPU per event (µs): its cores while it worked (every replica's) ÷ its
    events per second."""
    if not result:
        return None
    used = result.get("cpu_cores") or {}
    cores = sum(value for name, value in used.items() if name.startswith("aggregator"))
    events = rate(result)
    return cores / events * 1e6 if cores and events else None


def issue_goals(results: dict[str, Any]) -> str:
    ours, copy = rate(results.get("ours")), rate(results.get("raw_copy"))
    share = ratio(ours, copy)
    every = ratio(ours, rate(results.get("raw_copy_all")))
    cpu = aggregator_cpu_us(results.get("ours"))
    p99 = _latency_p99(results)
    low, high = (p99[0], p99[-1]) if len(p99) >= 2 else (None, None)
    sustained, sustained_p99 = _sustained_p99(results)
    two = ratio(rate(results.get("ours_2_replicas")), ours)
    # Per core the replicas are given: events per aggregator core-second, two replicas
    # against one, is one replica's CPU per event against two's.
    per_core = ratio(cpu, aggregator_cpu_us(results.get("ours_2_replicas")))
    alerts = results.get("alert_pass", {})
    pass_s, peak = alerts.get("pass_seconds"), alerts.get("peak_rss_mib")
    update = alerts.get("update_p99_ms")
    gateway = results.get("http_gateway", {})
    single, batch = gateway.get("http_single", {}), gateway.get("http_batch", {})

    def met(value: float | None, test: bool) -> str:
        return verdict(None if value is None else test)

    rows = [
        (
            "one aggregator ≥ 70% of raw COPY",
            f"{fmt(None if share is None else share * 100)}%",
            met(share, (share or 0) >= 0.7),
        ),
        (
            "(beside it: ours ÷ raw COPY into every table ours writes)",
            f"{fmt(None if every is None else every * 100)}%",
            "no goal",
        ),
        ("aggregator CPU ≤ 15 µs per event", f"{fmt(cpu, 1)} µs", met(cpu, (cpu or 99) <= 15)),
        ("p99 produce → row < 100 ms at 10% load", f"{fmt(low)} ms", met(low, (low or 1e9) < 100)),
        (
            "p99 produce → row < 500 ms at 90% load",
            f"{fmt(high)} ms",
            met(high, (high or 1e9) < 500),
        ),
        (
            f"(beside it: the same at 90% of the rate sustained live, {fmt(sustained)} "
            "events/s; see *Latency*)",
            f"{fmt(sustained_p99)} ms",
            met(sustained_p99, (sustained_p99 or 1e9) < 500),
        ),
        (
            "two replicas at least as fast as one per aggregator core (events/s per core, "
            "two ÷ one)",
            f"{fmt(per_core, 2)}×",
            met(per_core, (per_core or 0) >= 1),
        ),
        (
            "(beside it: two replicas' events/s ÷ one's, on the same two cores)",
            f"{fmt(two, 2)}×",
            "no goal",
        ),
        (
            f"alert service's whole pass ({fmt(alerts.get('targets'))} targets; goal at 29,000)"
            " < 5 s",
            f"{fmt(pass_s, 2)} s",
            met(pass_s, (pass_s or 1e9) < 5),
        ),
        ("… in under 300 MiB", f"{fmt(peak)} MiB", met(peak, (peak or 1e9) < 300)),
        (
            "one SeriesUpdated → decision p99 < 50 ms",
            f"{fmt(update, 1)} ms",
            met(update, (update or 1e9) < 50),
        ),
        (
            "HTTP gateway measured beside a direct producer",
            f"{fmt(single.get('events_per_second'))} / {fmt(batch.get('events_per_second'))}"
            " events/s (single / batches)",
            "measured" if single and batch else "not measured",
        ),
    ]
    lines = ["| goal (issue 12) | measured | verdict |", "|---|---|---|"]
    lines += [f"| {goal} | {measured} | {mark} |" for goal, measured, mark in rows]
    return "\n".join(lines)


def alert_pass_table(result: dict[str, Any]) -> str:
    if not result or "pass_seconds" not in result:
        return status(result or {}) or "not run"
    # Runs recorded before 2026-12-07 (evening) had one steady pass.
    steady = result.get("steady_passes_seconds") or [result["pass_seconds"]]
    every = " / ".join(fmt(seconds, 2) for seconds in steady)
    # Runs recorded before 2026-12-08 did not count the rows each pass wrote.
    written = " / ".join(fmt(n) for n in result.get("statuses_written", [])) or "not counted"
    wal = " / ".join(fmt(n / 2**20, 1) for n in result.get("wal_bytes", [])) or "not counted"
    return f"""| targets | figures in TimescaleDB | catalog load (s) | first pass (s) | pass (s), median | every steady pass (s) | peak memory (MiB) | SeriesUpdated → decision p50 / p99 (ms) |
|---|---|---|---|---|---|---|---|
| {fmt(result["targets"])} | {fmt(result["figures"])} | {fmt(result["catalog_seconds"], 2)} | {fmt(result["first_pass_seconds"], 2)} | {fmt(result["pass_seconds"], 2)} | {every} | {fmt(result["peak_rss_mib"])} | {fmt(result["update_p50_ms"], 1)} / {fmt(result["update_p99_ms"], 1)} |

Status rows each pass wrote, the first pass then each steady one (a row is written only
when its judgment changed; rates, R and projections within a thousandth of themselves
count as unchanged, since a deadline target's run from the pass's instant): {written}. WAL the cluster wrote during each pass (MiB):
{wal}."""


def gateway_table(result: dict[str, Any]) -> str:
    if not result or "http_single" not in result:
        return status(result or {}) or "not run"
    names = {
        "http_single": "HTTP gateway, one event per request",
        "http_batch": f"HTTP gateway, {result.get('batch', 100)} events per request",
        "http_batch_gzip": f"HTTP gateway, {result.get('batch', 100)} events per request, gzipped",
        "kafka_single": "direct Kafka producer, one message at a time (limit)",
        "kafka_batch": f"direct Kafka producer, {result.get('batch', 100)} at a time (limit)",
    }
    lines = [
        f"| path ({result.get('clients', '?')} concurrent clients) | events | events/s | "
        "p50 (ms) | p99 (ms) | cores: clients / gateway |",
        "|---|---|---|---|---|---|",
    ]
    for key, name in names.items():
        row = result.get(key, {})
        lines.append(
            f"| {name} | {fmt(row.get('events'))} | {fmt(row.get('events_per_second'))} | "
            f"{fmt(row.get('p50_ms'), 1)} | {fmt(row.get('p99_ms'), 1)} | "
            f"{fmt(row.get('client_cores'), 2)} / {fmt(row.get('gateway_cores'), 2)} |"
        )
    return "\n".join(lines)


def stages_table(result: dict[str, Any]) -> str:
    if not result or "store_us_per_event" not in result:
        return status(result or {}) or "not run"
    return f"""| stage, alone | µs per event (median of passes) |
|---|---|
| screening: bytes → accepted event (decoder, catalog rules) | {fmt(result["screen_us_per_event"], 1)} |
| store step: one transaction per lane, {result.get("lanes", 1)} lanes, batches of {fmt(result.get("batch"))} (wall, the database's work included) | {fmt(result["store_us_per_event"], 1)} |
| store step: the aggregator's own CPU in it (rows built, encoded, sent) | {fmt(result.get("store_cpu_us_per_event"), 1)} |"""
