"""How long one scheduled pass takes: every target of a catalog at the IOC's real scale.

Builds the synthetic 1,000-indicator catalog of `ioc_catalog`, puts a target on every
indicator for each of 29 scopes (the province, its 19 departments and 9 districts),
gives every series synthetic figures at its indicator's cadence, then times
`evaluate_all` over a few repetitions and writes a Markdown report.

    uv run python services/alerts/benchmarks/evaluate_catalog.py --help
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from ioc_alerts.domain import Observation, Series, evaluate_all
from ioc_catalog import generate_catalog
from ioc_contracts.catalog import (
    Baseline,
    Indicator,
    Target,
    TargetKind,
    Unit,
)
from ioc_contracts.status import RiskStatus
from ioc_contracts.topics import series_key
from ioc_testing.alert_workload import ioc_scopes, synthetic_target

REPO_ROOT = Path(__file__).resolve().parents[3]
DEFAULT_REPORT = REPO_ROOT / "docs" / "benchmarks" / "alerts-evaluation.md"
# A fixed instant keeps runs comparable and the synthetic deadlines in the future.
NOW = datetime(2023, 7, 1, tzinfo=UTC)


def progress(message: str) -> None:
    print(f"[evaluate_catalog] {message}", file=sys.stderr, flush=True)


def target_for(indicator: Indicator, number: int, scope: str, chooser: random.Random) -> Target:
    """A target of the kind an IOC would set on such an indicator, varied across kinds."""
    kind, value = TargetKind.FRESHNESS, None
    deadline = baseline = None
    if indicator.unit is Unit.PERCENT and number % 2 == 0:
        kind, value = TargetKind.DEADLINE, 100.0
        deadline = NOW.date() + timedelta(days=chooser.randint(30, 365))
        baseline = Baseline(value=chooser.uniform(20, 60), at=date(2023, 1, 1))
    elif indicator.unit is Unit.PERCENT:
        kind, value = TargetKind.FLOOR, float(chooser.randint(80, 99))
    elif indicator.unit is Unit.RANK:
        kind, value = TargetKind.RANK, float(chooser.randint(1, 30))
    elif indicator.unit is Unit.SCORE:
        kind, value = TargetKind.FLOOR, float(chooser.randint(50, 90))
    elif indicator.unit is Unit.COUNT:
        kind, value = TargetKind.CEILING, float(chooser.randint(500, 1500))
    return synthetic_target(
        indicator, scope, kind=kind, value=value, deadline=deadline, baseline=baseline
    )


def figures_for(indicator: Indicator, points: int, chooser: random.Random) -> list[Observation]:
    """`points` figures at the indicator's cadence: a trend with noise, some gone quiet."""
    every = indicator.cadence.interval()
    # About one series in twenty-five stopped reporting a while ago: stale by now.
    silence = every * chooser.uniform(2, 4) if chooser.random() < 0.04 else timedelta(0)
    last = NOW - silence - every * chooser.uniform(0, 1)
    low = indicator.min_value if indicator.min_value is not None else 0.0
    high = indicator.max_value if indicator.max_value is not None else 2000.0
    level = chooser.uniform(low, high)
    trend = (high - low) * chooser.uniform(-0.02, 0.04)
    noise = (high - low) * 0.005
    figures = []
    for index in range(points):
        value = level + trend * index + chooser.gauss(0, noise)
        figures.append(Observation(last - every * (points - 1 - index), min(max(value, low), high)))
    return figures


def build(
    indicators: int, points: int, seed: int
) -> tuple[list[Target], dict[str, Indicator], dict[str, list[Observation]]]:
    progress(f"generating a catalog of {indicators} indicators in 27 domains")
    catalog = generate_catalog(indicators=indicators, domains=27)
    scopes = ioc_scopes(catalog)
    chooser = random.Random(seed)  # noqa: S311 - synthetic figures, not security
    targets: list[Target] = []
    series: dict[str, list[Observation]] = {}
    progress(f"building targets and {points}-figure series for {len(scopes)} scopes")
    for number, indicator in enumerate(catalog.indicators):
        for scope in scopes:
            targets.append(target_for(indicator, number, scope, chooser))
            series[series_key(indicator.code, scope)] = figures_for(indicator, points, chooser)
    return targets, {item.code: item for item in catalog.indicators}, series


def machine() -> dict[str, str]:
    cpu = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "CPU": cpu,
        "Cores (os.cpu_count)": str(os.cpu_count()),
        "Python": f"{platform.python_implementation()} {platform.python_version()}",
        "Platform": platform.platform(),
    }


def report(
    *,
    targets: list[Target],
    observations: int,
    series_count: int,
    timings: list[float],
    cold: float,
    statuses: Counter[RiskStatus],
    points: int,
) -> str:
    kinds = Counter(target.kind.value for target in targets)
    best, median = min(timings), statistics.median(timings)
    lines = [
        "# Alert service: evaluating every target of the catalog",
        "",
        "Generated by `services/alerts/benchmarks/evaluate_catalog.py`; rerun it to refresh.",
        "One pass is what the scheduler does each time it re-evaluates the catalog: pure",
        "`evaluate_all` (assessment and hysteresis) over series already loaded in memory;",
        "loading from TimescaleDB is not included.",
        "",
        "## Machine",
        "",
        *(f"- {name}: {value}" for name, value in machine().items()),
        f"- Run at: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        "",
        "## Workload",
        "",
        f"- Targets: {len(targets):,} (indicators x 29 scopes: province, 19 departments, "
        "9 districts)",
        "- By kind: " + ", ".join(f"{kind} {count:,}" for kind, count in sorted(kinds.items())),
        f"- Series: {series_count:,}, {points} figures each at the indicator's cadence; "
        f"observations: {observations:,}",
        f"- Evaluated at {NOW.isoformat()} with the statuses of a previous pass recorded",
        "",
        "## Results",
        "",
        "| measure | seconds | targets/s |",
        "|---|---|---|",
        f"| one pass, min of {len(timings)} | {best:.3f} | {len(targets) / best:,.0f} |",
        f"| one pass, median of {len(timings)} | {median:.3f} | {len(targets) / median:,.0f} |",
        f"| one pass from unsorted observation lists | {cold:.3f} | {len(targets) / cold:,.0f} |",
        "",
        "Statuses after the pass: "
        + ", ".join(f"{status.value} {count:,}" for status, count in statuses.most_common())
        + ".",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--indicators", type=int, default=1000, help="catalog size (1000)")
    parser.add_argument("--points", type=int, default=24, help="figures per series (24)")
    parser.add_argument("--repeat", type=int, default=5, help="timed passes (5)")
    parser.add_argument("--seed", type=int, default=2023, help="random seed (2023)")
    parser.add_argument(
        "--output", type=Path, default=DEFAULT_REPORT, help=f"report path ({DEFAULT_REPORT})"
    )
    parser.add_argument(
        "--fail-above", type=float, default=None, help="exit 1 if the median pass is slower"
    )
    args = parser.parse_args(argv)

    targets, indicators, raw = build(args.indicators, args.points, args.seed)
    observations = sum(len(figures) for figures in raw.values())

    progress(f"one pass from unsorted lists ({len(targets):,} targets, {observations:,} figures)")
    started = time.perf_counter()
    first = evaluate_all(targets, indicators, raw, {}, now=NOW)
    cold = time.perf_counter() - started
    recorded = {evaluation.target.code: evaluation.status for evaluation in first}

    prepared = {key: Series(figures) for key, figures in raw.items()}
    timings = []
    for run in range(1, args.repeat + 1):
        started = time.perf_counter()
        results = evaluate_all(targets, indicators, prepared, recorded, now=NOW)
        timings.append(time.perf_counter() - started)
        progress(f"pass {run}/{args.repeat}: {timings[-1]:.3f} s")

    text = report(
        targets=targets,
        observations=observations,
        series_count=len(raw),
        timings=timings,
        cold=cold,
        statuses=Counter(result.status for result in results),
        points=args.points,
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    progress(f"report written to {args.output}")
    median = statistics.median(timings)
    if args.fail_above is not None and median > args.fail_above:
        progress(f"median {median:.3f} s is above {args.fail_above} s")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
