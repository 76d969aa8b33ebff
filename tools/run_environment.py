"""What a measured run ran on: the machine, the Kafka and database versions, the commit.

Shared by the tools that write a page of measurements, so a reader can tell whether two
pages are comparable.
"""

from __future__ import annotations

import asyncio
import os
import platform
import re
import subprocess
from pathlib import Path

import asyncpg

from ioc_runtime.env_file import read_env_file

ROOT = Path(__file__).resolve().parents[1]


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


def commit() -> str:
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
