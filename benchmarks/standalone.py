"""The benchmarks that run alone (each makes its own database; no topic of the run):
the alert service's whole pass, the HTTP gateway, the aggregator's stages. `run_all`
runs each as a child process and keeps its JSON like any contender's result."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from benchmarks.bench import Bench
from benchmarks.infrastructure import ROOT

ALERT_PROFILE = ROOT / "docs" / "benchmarks" / "alert-pass-profile.speedscope.json"
# `benchmarks.steps.step`, with its results bound: (name, bench, run) → the step's result.
Step = Callable[[str, Bench, Callable[[], Awaitable[Any]]], Awaitable[Any]]


async def standalone(
    module: str, args: list[str], rate_of: Callable[[dict[str, Any]], float]
) -> dict[str, Any]:
    """A benchmark that runs alone (`python -m benchmarks.<module> --json …`), as a child;
    `rate_of` names its headline figure, so a run without one counts as failed."""
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        f"benchmarks.{module}",
        "--json",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await child.communicate()
    if child.returncode != 0:
        raise RuntimeError(f"{module} exited {child.returncode}: {err.decode()[-600:]}")
    result: dict[str, Any] = json.loads(out)
    return result | {"events_per_second": rate_of(result)}


async def standalone_steps(step: Step, bench: Bench, options: argparse.Namespace) -> None:
    """The benchmarks that need no topic of this run: each in a database of its own."""
    alert_args = [
        "--indicators",
        str(options.alert_indicators),
        "--years",
        str(options.alert_years),
        "--profile",
        str(ALERT_PROFILE),
    ]
    alert_pass = partial(
        standalone, "alert_pass", alert_args, lambda r: r["targets"] / r["pass_seconds"]
    )
    await step("alert_pass", bench, alert_pass)
    http_args = ["--events", str(options.http_events), "--clients", str(options.http_clients)]
    gateway = partial(
        standalone, "http_gateway", http_args, lambda r: r["http_batch"]["events_per_second"]
    )
    await step("http_gateway", bench, gateway)
    stage_args = ["--events", str(options.stage_events)]
    stages = partial(standalone, "stages", stage_args, lambda r: 1e6 / r["store_us_per_event"])
    await step("stages", bench, stages)
