"""Runs the fault-injection suite and writes docs/reliability.md from what it measured.

    uv run python tools/reliability_report.py            # run tests/faults, write the page
    uv run python tools/reliability_report.py -- -k kill # extra arguments go to pytest

Each fault test appends one JSON line (fault, events, lost, duplicated, recovery time…)
to the file named by IOC_RELIABILITY_RESULTS; pytest's JUnit report says how each test
ended. The page is written even when a test fails (it shows which), and the command then
exits non-zero. Needs the infrastructure of `./dev up`.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg

from ioc_runtime.env_file import read_env_file

ROOT = Path(__file__).resolve().parents[1]
SUITE = "tests/faults"
PAGE = ROOT / "docs" / "reliability.md"
COMMAND = "uv run python tools/reliability_report.py"


@dataclass(frozen=True)
class Outcome:
    state: str  # passed, failed, xfail, skipped
    message: str = ""


def run_suite(results: Path, junit: Path, extra: list[str]) -> tuple[int, float]:
    env = {**os.environ, "IOC_RELIABILITY_RESULTS": str(results)}
    command = [sys.executable, "-m", "pytest", SUITE, "-q", "-p", "no:cacheprovider"]
    command += [f"--junitxml={junit}", *extra]
    started = time.monotonic()
    finished = subprocess.run(command, cwd=ROOT, env=env, check=False)  # noqa: S603
    return finished.returncode, time.monotonic() - started


def outcomes(junit: Path) -> dict[str, Outcome]:
    """Test node id -> how it ended, from pytest's JUnit XML."""
    if not junit.exists():
        return {}
    found: dict[str, Outcome] = {}
    for case in ET.parse(junit).getroot().iter("testcase"):  # noqa: S314 - pytest's own report
        node = case.attrib["classname"].replace(".", "/") + ".py::" + case.attrib["name"]
        state, message = "passed", ""
        for child in case:
            if child.tag in ("failure", "error"):
                state, message = "failed", child.attrib.get("message", "")
            elif child.tag == "skipped":
                xfail = child.attrib.get("type") == "pytest.xfail"
                state, message = ("xfail" if xfail else "skipped"), child.attrib.get("message", "")
        found[node] = Outcome(state, message)
    return found


def read_rows(results: Path) -> list[dict[str, Any]]:
    if not results.exists():
        return []
    return [json.loads(line) for line in results.read_text("utf-8").splitlines() if line]


def _env_file() -> dict[str, str]:
    path = Path(os.environ.get("IOC_ENV_FILE", ROOT / ".local" / "ioc.env"))
    return read_env_file(path)


async def _database_versions(dsn: str) -> str:
    connection = await asyncpg.connect(dsn, timeout=5)
    try:
        server = await connection.fetchval("SHOW server_version")
        timescale = await connection.fetchval(
            "SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'"
        )
    finally:
        await connection.close()
    return f"PostgreSQL {server}, TimescaleDB {timescale or '(not in this database)'}"


def machine() -> list[str]:
    cpu = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        models = re.findall(r"^model name\s*:\s*(.+)$", cpuinfo.read_text(), re.MULTILINE)
        cpu = models[0] if models else cpu
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        total = re.search(r"^MemTotal:\s*(\d+) kB", meminfo.read_text(), re.MULTILINE)
        memory = f", {int(total.group(1)) / 1024 / 1024:.0f} GiB RAM" if total else ""
    pom = (ROOT / "deploy" / "local" / "kafka" / "pom.xml").read_text("utf-8")
    kafka = re.search(r"<kafka.version>([^<]+)</kafka.version>", pom)
    dsn = _env_file().get("IOC_DATABASE_URL_READER")
    try:
        database = asyncio.run(_database_versions(dsn)) if dsn else "database not configured"
    except (OSError, asyncpg.PostgresError) as error:
        database = f"database unreachable ({type(error).__name__})"
    return [
        f"{os.cpu_count()} × {cpu}{memory}; {platform.platform()}",
        f"Python {platform.python_version()}; Apache Kafka {kafka.group(1) if kafka else '?'} "
        f"(one KRaft node); {database}",
    ]


def _commit() -> str:
    try:
        found = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607 - the developer's own git
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown commit"
    return found.stdout.strip()


def _seconds(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def _verdict(row: dict[str, Any], outcome: Outcome | None) -> str:
    if outcome is None:
        return "not run"
    if outcome.state == "xfail":
        return "known bug (xfail)"
    if outcome.state == "passed" and row["holds"]:
        return "holds"
    return "**FAILED**"


def render(
    rows: list[dict[str, Any]], ended: dict[str, Outcome], exit_code: int, duration: float
) -> str:
    counts = {
        state: sum(o.state == state for o in ended.values())
        for state in ("passed", "failed", "xfail", "skipped")
    }
    lines = [
        "# Reliability: the fault-injection suite",
        "",
        f"Generated by `{COMMAND}`, which runs `pytest {SUITE}` against the real Kafka and "
        "PostgreSQL/TimescaleDB of `./dev up` and collects what each fault test measured. "
        "Do not edit by hand; run the command again.",
        "",
        f"- Date: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}, commit {_commit()}",
        *(
            f"- {label}: {line}"
            for label, line in zip(("Machine", "Software"), machine(), strict=True)
        ),
        f"- Run: {duration:.0f} s; {counts['passed']} tests passed, {counts['xfail']} known "
        f"bugs (strict xfail), {counts['failed']} failed, {counts['skipped']} skipped; "
        f"pytest exit code {exit_code}",
        "",
        "## Results",
        "",
        "Events are distinct event ids sent (or, where the note says so, requests or "
        "notifications). Acknowledged: Kafka or ingest confirmed it; rejected: refused at "
        "the door (4xx), never left the client, or poison the aggregator must refuse; "
        "indeterminate: no answer (timeout, 5xx). Recovery: seconds from the end of the fault until the aggregator's consumer "
        "group has committed every record (lag 0); for SMTP, until every notification was "
        "delivered.",
        "",
        "| fault | verdict | events | ack. | rej. | indet. | stored | lost | dup. "
        "| recovery (s) | bound (s) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row['fault']} | {_verdict(row, ended.get(row['test']))} | {row['events']} "
            f"| {row['acknowledged']} | {row['rejected']} | {row['indeterminate']} "
            f"| {row['stored']} | {row['lost']} | {row['duplicated']} "
            f"| {_seconds(row['recovery_seconds'])} | {_seconds(row['bound_seconds'])} |"
        )
    lines += [
        "",
        "## Invariants checked after every fault",
        "",
        "Once the fault is over and the load generator has stopped, the suite waits until "
        "the consumer group's committed offsets reach the end offsets of the topic (within "
        "the stated bound), then reconciles its ledger with `ioc.observations`:",
        "",
        "- acknowledged ⊆ stored ⊆ acknowledged ∪ indeterminate (nothing acknowledged is "
        "lost, nothing stored was never sent);",
        "- rejected ∩ stored = ∅ (a 4xx or a dead-lettered record is never stored);",
        "- no event_id stored twice;",
        "- per agency: the count, the sum of values and a SHA-256 of the sorted event ids "
        "in the database equal the ledger's, computed independently (SQL vs Python);",
        "- fault-specific checks: poison records reach the DLQ with their reason and "
        "original bytes; late and out-of-order figures never replace a newer latest value; "
        "the aggregator's duplicate counter equals the copies sent; each email notification "
        "is delivered once.",
        "",
        "## What each fault does",
        "",
    ]
    for row in rows:
        note = f" _{row['note']}_" if row["note"] else ""
        lines.append(f"- **{row['fault']}** (`{row['test']}`): {row['description']}.{note}")
    lines += [
        "",
        "## Recovery bounds",
        "",
        "- After every pipeline fault the consumer lag must be back to zero within "
        "60 s (`LAG_BOUND_SECONDS` in `tests/faults/conftest.py`), measured from the fault's "
        "end; the SMTP test allows 30 s for every pending email to go out; a timestamp "
        "outside the calendar must not hold its partition for more than 15 s.",
        "- The aggregator under test is a static group member, as on Kubernetes "
        "(`IOC_AGGREGATOR_GROUP_INSTANCE_ID`): restarted after a `kill -9` under the same "
        "id, it takes its partitions back at once, without waiting out the dead process's "
        "10 s session or a rebalance. A frozen (SIGSTOP) aggregator is evicted after that "
        "10 s session and rejoins at once when thawed.",
        "- Requests to ingest that end in a 5xx or get no answer within the client's 8 s "
        "count as indeterminate: they may or may not be stored, at most once.",
    ]
    missing = sorted(node for node in ended if node not in {row["test"] for row in rows})
    if missing:
        lines += ["", "## Tests without a row (properties, no fault to time)", ""]
        lines += [f"- `{node}`: {ended[node].state}" for node in missing]
    bugs = sorted({o.message for o in ended.values() if o.state == "xfail" and o.message})
    if bugs:
        lines += ["", "## Known bugs (each pinned by a strict xfail until fixed)", ""]
        lines += [f"- {bug}" for bug in bugs]
    failures = sorted(node for node, o in ended.items() if o.state == "failed")
    if failures:
        lines += ["", "## Failed in this run", ""]
        lines += [f"- `{node}`: {ended[node].message[:300]}" for node in failures]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    extra = argv[1:] if argv[:1] == ["--"] else argv
    with tempfile.TemporaryDirectory(prefix="ioc-reliability-") as scratch:
        results, junit = Path(scratch) / "results.jsonl", Path(scratch) / "junit.xml"
        exit_code, duration = run_suite(results, junit, extra)
        page = render(read_rows(results), outcomes(junit), exit_code, duration)
    PAGE.write_text(page, encoding="utf-8")
    print(f"wrote {PAGE.relative_to(ROOT)} (pytest exit code {exit_code})")
    return exit_code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
