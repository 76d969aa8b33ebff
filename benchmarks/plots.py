"""The PNG figures of docs/benchmarks.md (matplotlib, no display needed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, NullFormatter, ScalarFormatter

from benchmarks.measure import p99_by_window

COLOURS = {
    "raw_copy": "#7f7f7f",
    "raw_copy_all": "#b0b0b0",
    "drain": "#bcbd22",
    "ours": "#1f77b4",
    "kafka_connect": "#d62728",
    "naive": "#9467bd",
    "ours_2_replicas": "#aec7e8",
    "kafka_connect_wide": "#ff9896",
}


def _save(figure: Figure, path: Path) -> None:
    figure.tight_layout()
    figure.savefig(path, dpi=110)


def throughput(rows: list[tuple[str, str, float]], path: Path) -> None:
    """rows: (key, label, events/s), drawn as horizontal bars on a log scale."""
    figure = Figure(figsize=(7.5, 4.2))
    axes = figure.subplots()
    labels = [label for _, label, _ in rows]
    values = [value for _, _, value in rows]
    colours = [COLOURS.get(key, "#1f77b4") for key, _, _ in rows]
    axes.barh(labels, values, color=colours)
    for index, value in enumerate(values):
        axes.text(value, index, f" {value:,.0f}", va="center", fontsize=8)
    axes.set_xscale("log")
    axes.invert_yaxis()
    axes.set_xlabel("events per second (log scale)")
    axes.set_title("Same events, same hypertable, same machine")
    axes.grid(True, axis="x", alpha=0.3)
    axes.set_xlim(right=max(values) * 4 if values else 1)
    _save(figure, path)


def _named(run: dict[str, Any]) -> str:
    return f"{run['rate']:.0f} events/s" + (", warm-up" if run.get("warm_up") else "")


def latency(runs: dict[str, Any], path: Path) -> None:
    figure = Figure(figsize=(7.5, 4))
    axes = figure.subplots()
    for run in runs.values():
        samples = run["samples_ms"]
        if samples:
            axes.plot(
                samples,
                [(i + 1) / len(samples) for i in range(len(samples))],
                label=f"{_named(run)} (achieved {run['achieved_rate']:.0f})",
            )
    axes.axvline(250, color="grey", linestyle="--", linewidth=1)
    axes.text(250, 1.01, " 250 ms", fontsize=8, color="grey")
    axes.set_xscale("log")
    axes.xaxis.set_major_formatter(ScalarFormatter())
    axes.xaxis.set_minor_formatter(NullFormatter())
    axes.xaxis.set_major_locator(FixedLocator([5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000]))
    axes.set_xlabel("produce → row committed (ms, upper bound: SeriesUpdated's CreateTime)")
    axes.set_ylabel("share of events")
    axes.grid(True, alpha=0.3)
    axes.legend(fontsize=8, loc="lower right")
    axes.set_ylim(0, 1.05)
    _save(figure, path)


def latency_timeline(runs: dict[str, Any], path: Path) -> None:
    """The p99 of each half second of every latency run, against the time into the run."""
    figure = Figure(figsize=(7.5, 3.6))
    axes = figure.subplots()
    for run in runs.values():
        points = p99_by_window(run.get("timeline") or [], 0.5)
        if points:
            axes.plot(
                [t for t, _ in points],
                [v for _, v in points],
                marker=".",
                linewidth=1,
                label=_named(run),
            )
    axes.axhline(500, color="grey", linestyle="--", linewidth=1)
    axes.set_yscale("log")
    axes.yaxis.set_major_formatter(ScalarFormatter())
    axes.yaxis.set_minor_formatter(NullFormatter())
    axes.yaxis.set_major_locator(FixedLocator([10, 20, 50, 100, 200, 500, 1000, 2000, 5000]))
    axes.set_xlabel("seconds into the run (events by when they were due)")
    axes.set_ylabel("p99 of each half second (ms)")
    axes.grid(True, alpha=0.3)
    axes.legend(fontsize=8, loc="upper left")
    _save(figure, path)


def scaling(points: dict[str, list[tuple[str, list[float]]]], path: Path) -> None:
    """points: panel title → [(x label, events/s of every passing run)]: bar = median,
    dots = runs."""
    figure = Figure(figsize=(7.5, 3.2))
    panels = figure.subplots(1, len(points), squeeze=False)[0]
    for axes, (title, values) in zip(panels, points.items(), strict=True):
        best = [sorted(runs)[(len(runs) - 1) // 2] if runs else 0.0 for _, runs in values]
        axes.bar([x for x, _ in values], best, color="#1f77b4")
        for index, (_, runs) in enumerate(values):
            axes.plot([index] * len(runs), runs, "o", color="black", markersize=3)
            axes.text(
                index, best[index], f"{best[index]:,.0f}", ha="center", va="bottom", fontsize=8
            )
        axes.set_title(title, fontsize=10)
        axes.set_ylabel("events/s end to end")
        axes.grid(True, axis="y", alpha=0.3)
    _save(figure, path)


def memory(table: dict[str, dict[str, int]], path: Path) -> None:
    """table: contender → process label → peak bytes; stacked bars."""
    figure = Figure(figsize=(7.5, 4.4))
    axes = figure.subplots()
    contenders = list(table)
    labels = sorted({label for peaks in table.values() for label in peaks})
    left = [0.0] * len(contenders)
    for label in labels:
        widths = [table[c].get(label, 0) / 2**20 for c in contenders]
        axes.barh(contenders, widths, left=left, label=label)
        left = [a + b for a, b in zip(left, widths, strict=True)]
    axes.invert_yaxis()
    axes.set_xlabel("peak memory (MiB): RSS, PostgreSQL as summed PSS")
    axes.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.4, -0.2), ncol=4)
    axes.grid(True, axis="x", alpha=0.3)
    _save(figure, path)


def profile(stages: list[tuple[str, float]], path: Path) -> None:
    figure = Figure(figsize=(7.5, 3.6))
    axes = figure.subplots()
    names = [name for name, _ in stages]
    shares = [share * 100 for _, share in stages]
    axes.barh(names, shares, color="#1f77b4")
    for index, share in enumerate(shares):
        axes.text(share, index, f" {share:.0f}%", va="center", fontsize=8)
    axes.invert_yaxis()
    axes.tick_params(axis="y", labelsize=7)
    axes.set_xlabel("share of the aggregator's CPU samples under maximum load (py-spy)")
    axes.set_xlim(right=max(shares) * 1.2 if shares else 1)
    _save(figure, path)
