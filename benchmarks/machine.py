"""The machine and the versions a result was measured with, and how busy it was."""

from __future__ import annotations

import os
import platform
import subprocess
from importlib.metadata import version
from pathlib import Path

import psutil  # type: ignore[import-untyped]  # no stubs in the dev group

from benchmarks.infrastructure import ROOT
from ioc_storage.connection import Connection


def _cpu() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def _os() -> str:
    with_release = Path("/etc/os-release")
    if with_release.exists():
        for line in with_release.read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                return line.split("=", 1)[1].strip('"')
    return platform.system()


def _java() -> str:
    done = subprocess.run(
        ["java", "-version"],  # noqa: S607 - the java on PATH, as the runner scripts use
        capture_output=True,
        text=True,
        check=False,
    )
    lines = (done.stderr or done.stdout).splitlines()
    return lines[0] if lines else "unknown"


def _kafka() -> str:
    jars = sorted((ROOT / ".local" / "kafka" / "libs").glob("kafka-clients-*.jar"))
    return jars[0].stem.removeprefix("kafka-clients-") if jars else "unknown"


def load() -> dict[str, float]:
    one, five, fifteen = os.getloadavg()
    return {"load1": one, "load5": five, "load15": fifteen}


def busiest(limit: int = 5) -> list[str]:
    """The processes using most CPU over one second: who else shares the machine."""
    processes = list(psutil.process_iter(["pid", "name", "cmdline"]))
    for process in processes:
        try:
            process.cpu_percent(None)
        except psutil.Error:
            continue
    psutil.cpu_percent(1.0)
    usage = []
    for process in processes:
        try:
            share = process.cpu_percent(None)
        except psutil.Error:
            continue
        if share >= 1.0:
            command = " ".join(process.info["cmdline"] or [process.info["name"] or "?"])[:80]
            usage.append((share, f"{share:.0f}% {command}"))
    return [line for _, line in sorted(usage, reverse=True)[:limit]]


async def describe(connection: Connection) -> dict[str, str]:
    """`connection`: to the benchmark database (for the TimescaleDB version)."""
    memory = psutil.virtual_memory().total / 2**30
    postgres = str(await connection.fetchval("SHOW server_version"))
    timescale = await connection.fetchval(
        "SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'"
    )
    return {
        "cpu": _cpu(),
        "cores": str(os.cpu_count()),
        "memory": f"{memory:.0f} GiB",
        "os": f"{_os()}, Linux {platform.release()}",
        "python": platform.python_version(),
        "java": _java(),
        "kafka": _kafka(),
        "postgresql": postgres.split()[0],
        "timescaledb": str(timescale),
        "aiokafka": version("aiokafka"),
        "asyncpg": version("asyncpg"),
        "faststream": version("faststream"),
    }
