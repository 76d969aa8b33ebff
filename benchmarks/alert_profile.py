"""Where the alert pass's time goes: py-spy over a process of its own running the same
passes as the timed one, its samples put in the part of the pass they were in.

The timed process runs unprofiled; this one runs after it on the same database, so
the figures on the page are not the profiler's. Sampled with `--gil`: only the thread
holding the interpreter lock, so judging (in a worker thread) and the event loop's
reads and writes are not counted twice while one waits for the other.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from benchmarks.profile import Libraries, Stages, profile_tables, summarise

_DOMAIN = "ioc_alerts/domain/"
# (part of the pass, file suffix, function or None for any): innermost match wins.
ALERT_STAGES: Stages = (
    ("judge: reasons' text (numbers, days, words)", f"{_DOMAIN}wording.py", None),
    ("judge: reasons' text (numbers, days, words)", "ioc_catalog/wording.py", None),
    ("judge: pace fit, projections, arrival", f"{_DOMAIN}pace.py", None),
    ("judge: threshold targets", f"{_DOMAIN}thresholds.py", None),
    ("judge: deadline targets", f"{_DOMAIN}deadline.py", None),
    ("judge: freshness targets", f"{_DOMAIN}freshness.py", None),
    ("judge: series as of the pass's instant", f"{_DOMAIN}series.py", None),
    *(
        ("judge: risk, bands, hysteresis, retired scopes", f"{_DOMAIN}{module}.py", None)
        for module in ("risk", "bands", "hysteresis", "retired", "dates", "evaluation")
    ),
    ("read: figures and last statuses", "ioc_alerts/adapters/alerts/figures.py", None),
    ("read: figures and last statuses", "ioc_alerts/adapters/alerts/store.py", "previous_statuses"),
    ("record: statuses, open alerts, decisions", "ioc_alerts/adapters/alerts/store.py", None),
    ("record: statuses, open alerts, decisions", "ioc_alerts/adapters/alerts/decisions.py", None),
    ("record: statuses, open alerts, decisions", "ioc_alerts/lifecycle/decisions.py", None),
    ("record: statuses, open alerts, decisions", "ioc_alerts/decide/evaluator.py", "_record"),
    ("plan: series in chunks", "ioc_alerts/decide/reading.py", None),
    ("catalog load (once, at start)", "ioc_alerts/adapters/catalog.py", None),
)
# Whatever runs under an import is start-up, not the pass: left out of the shares.
ALERT_START_UP: Stages = (("start-up: imports", "<frozen importlib._bootstrap>", None),)
ALERT_LIBRARIES: Libraries = (
    ("asyncpg protocol (rows decoded, arguments encoded)", "asyncpg/"),
    ("event loop: uvloop (native), socket I/O, callbacks", "asyncio/"),
)


def profile_passes(dsn: str, output: Path, *, seed: int) -> dict[str, Any]:
    """The passes of `alert_pass --pass-only` once more, under py-spy, written as a
    speedscope profile to `output` and summarised by part of the pass."""
    output.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(  # noqa: S603 - the workspace's own py-spy and this very package
        [
            str(Path(sys.executable).with_name("py-spy")),
            "record",
            "--gil",
            "--rate",
            "200",
            "--format",
            "speedscope",
            "--output",
            str(output),
            "--",
            sys.executable,
            "-m",
            "benchmarks.alert_pass",
            "--pass-only",
            dsn,
            "--updates",
            "1",
            "--seed",
            str(seed),
        ],
        capture_output=True,
        check=True,
    )
    return summarise(output, stages=ALERT_STAGES, libraries=ALERT_LIBRARIES, skip=ALERT_START_UP)


def alert_profile_table(profile: dict[str, Any] | None) -> str:
    if not profile:
        return "No profile of the pass was recorded in this run."
    return f"""CPU of the same passes in a process of their own after the timed one (py-spy
`record --gil --rate 200`, {profile["samples"]:.1f} s of samples, the catalog load and one
update included, its imports ({profile.get("skipped", 0.0):.1f} s) left out; open [the speedscope profile](benchmarks/alert-pass-profile.speedscope.json)
at speedscope.app):

{profile_tables(profile, "part of the pass (innermost frame)")}"""
