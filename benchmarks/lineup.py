"""The line-up of one run: each contender's topic filled with the same events before the
clock starts, then every step in order, the figures going into `results`."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from functools import partial
from typing import Any

from benchmarks import alerting
from benchmarks.bench import Bench
from benchmarks.contenders import Subprocess, kafka_connect, ours, ours_latency
from benchmarks.events import Workload
from benchmarks.infrastructure import ROOT, ledger_key, progress
from benchmarks.loadgen import messages, new_producer, produce
from benchmarks.measure import fixed
from benchmarks.profile import summarise
from benchmarks.standalone import standalone_steps
from benchmarks.steps import step

PROFILE = ROOT / "docs" / "benchmarks" / "aggregator-profile.speedscope.json"
# A steady low rate, events/s: the agencies' reports arriving all day rather than in a
# rush. What the aggregator costs then is CPU taken from everything else on the machine.
TRICKLE_RATE = 300


async def peers(
    results: dict[str, Any], bench: Bench, plan: Plan, options: argparse.Namespace
) -> None:
    """The floor and the Kafka Connect peer, once and scaled out as ours is."""
    floor = partial(naive, bench, plan.naive, options.naive_events)
    await step(results, "naive", bench, floor, expect=options.naive_events)
    peer = partial(
        kafka_connect.throughput,
        bench,
        topic=plan.peer,
        events=options.peer_events,
        tasks=options.peer_tasks,
    )
    await step(
        results, "kafka_connect", bench, peer, expect=options.peer_events, repeat=options.repeat
    )
    results["kafka_connect"]["versions"] = kafka_connect.versions()
    # The peer scaled as ours is with two replicas: two tasks in the one worker.
    wider = partial(peer, tasks=2 * options.peer_tasks)
    await step(
        results,
        "kafka_connect_wide",
        bench,
        wider,
        expect=options.peer_events,
        repeat=options.repeat,
    )


async def pre_produce(
    bench: Bench, topic: str, count: int, envelope: str = "ioc"
) -> dict[str, float]:
    """Before the clock starts: consumers are timed on a topic that already holds it all."""
    batch = messages(Workload(), 0, count, envelope)
    producer = new_producer(bench.bootstrap)
    await producer.start()
    try:
        ledger = await produce(producer, topic, batch, keep_ledger=False)
    finally:
        await producer.stop()
    seconds = ledger.finished - ledger.started
    progress(f"  {count} events on {topic} in {seconds:.1f} s ({count / seconds:.0f}/s)")
    return {
        "events": count,
        "seconds": seconds,
        "events_per_second": count / seconds,
        "mean_bytes": sum(len(value) for _, value, _ in batch) / max(count, 1),
        "series": len(Workload().series),
    }


async def isolated(bench: Bench, name: str, args: list[str], within: float) -> dict[str, Any]:
    """A contender run as its own process, with its memory sampled while it runs."""
    contender = bench.track(
        Subprocess(f"benchmarks.contenders.{name}", args, bench.work / f"{name}.log")
    )
    pid = contender.start()
    sampler = bench.sampler({"contender": fixed(pid)})
    sampler.start()
    try:
        result = await contender.result(within)
    finally:
        memory = await sampler.stop()
        contender.stop()
    cores = sampler.cores(result["started"], result["finished"])
    # Its own CPU time, measured inside: these runs can be shorter than two samples.
    cores["contender"] = result["cpu_seconds"] / max(result["seconds"], 1e-9)
    return result | {"memory": memory, "cpu_cores": cores}


async def naive(bench: Bench, topic: str, events: int) -> dict[str, Any]:
    group = bench.group("naive")
    contender = bench.track(
        Subprocess(
            "benchmarks.contenders.naive",
            [
                "--bootstrap",
                bench.bootstrap,
                "--topic",
                topic,
                "--group",
                group,
                "--dsn",
                bench.database.dsns["writer"],
                "--events",
                str(events),
            ],
            bench.work / "naive.log",
        )
    )
    pid = contender.start()
    try:
        return await bench.consumed(
            group=group,
            topic=topic,
            events=events,
            within=120,
            processes={"naive consumer": fixed(pid)},
            alive=contender.alive,
        )
    finally:
        contender.stop()


@dataclass(frozen=True)
class Plan:
    """The run's topics, each already holding its events."""

    route: ours.Route  # the 6-partition events topic, with its DLQ and updates topics
    scaled: dict[int, ours.Route]  # 1 and 3 partitions
    naive: str
    peer: str


async def prepare(bench: Bench, options: argparse.Namespace, results: dict[str, Any]) -> Plan:
    topics = bench.topics
    main = await topics.create("events", 6)
    route = ours.Route(main, await topics.create("dlq", 1), await topics.create("updates", 6))
    scaled = {
        p: ours.Route(await topics.create(f"events-{p}p", p), route.dead_letters, route.updates)
        for p in (1, 3)
    }
    plan = Plan(route, scaled, await topics.create("naive", 6), await topics.create("connect", 6))
    progress("pre-producing the same events to each contender's topic")
    results["produce"] = await pre_produce(bench, main, options.events)
    for scaled_route in scaled.values():
        await pre_produce(bench, scaled_route.source, options.scale_events)
    await pre_produce(bench, plan.naive, options.naive_events)
    results["produce_connect"] = await pre_produce(
        bench, plan.peer, options.peer_events, envelope="connect"
    )
    return plan


async def contenders(bench: Bench, options: argparse.Namespace, results: dict[str, Any]) -> None:
    plan = await prepare(bench, options, results)
    route, events, repeat = plan.route, options.events, options.repeat
    copy_args = ["--dsn", bench.database.dsns["writer"], "--events", str(events)]
    drain_args = ["--bootstrap", bench.bootstrap, "--topic", route.source]
    aggregators = partial(ours.throughput, bench, route, events=events)

    copy = partial(isolated, bench, "raw_copy", copy_args, 300)
    await step(results, "raw_copy", bench, copy, expect=events, repeat=repeat)
    every = partial(isolated, bench, "raw_copy", [*copy_args, "--every-table"], 300)
    await step(results, "raw_copy_all", bench, every, expect=events, repeat=repeat)
    drain = partial(isolated, bench, "drain", drain_args, 300)
    await step(results, "drain", bench, drain, repeat=repeat)
    one = partial(aggregators, label="ours")
    main = await step(results, "ours", bench, one, expect=events, repeat=repeat)
    two = partial(aggregators, label="ours2", replicas=2)
    await step(
        results,
        "ours_2_replicas",
        bench,
        two,
        expect=events,
        repeat=max(repeat, options.replica_repeat),
    )
    for partitions, scaled in plan.scaled.items():
        fewer = partial(
            ours.throughput, bench, scaled, label=f"ours{partitions}p", events=options.scale_events
        )
        await step(
            results, f"ours_{partitions}p", bench, fewer, expect=options.scale_events, repeat=repeat
        )
    PROFILE.parent.mkdir(parents=True, exist_ok=True)
    profiled = partial(aggregators, label="profiled", profile_to=PROFILE)
    await step(results, "ours_profiled", bench, profiled, expect=events)
    if results["ours_profiled"].get("events_per_second") and PROFILE.exists():
        results["profile"] = summarise(PROFILE)
    top = main.get("events_per_second") or 1000.0
    rates = [round(top * share) for share in (0.1, 0.5, 0.9)]
    maximum: float | None = top
    if options.latency_rates:
        rates, maximum = [int(rate) for rate in options.latency_rates.split(",")], None
    timed = partial(
        ours_latency.latency,
        bench,
        route.dead_letters,
        rates=rates,
        seconds=options.latency_seconds,
        maximum=maximum,
        trickle=TRICKLE_RATE,
        warm_up=True,
    )
    await step(results, "latency", bench, timed, rated=False)
    # The naive consumer's ON CONFLICT and the peer's upsert need a unique key on the
    # ledger; ours keeps identity in ioc.event_ids.
    async with ledger_key(bench.env, bench.database.name):
        await peers(results, bench, plan, options)
    await step(
        results, "alerting", bench, partial(alerting.notification_latency, bench), rated=False
    )
    await standalone_steps(partial(step, results), bench, options)
