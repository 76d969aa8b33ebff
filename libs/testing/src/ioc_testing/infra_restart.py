"""Stopping and starting this checkout's shared Kafka broker and PostgreSQL server.

For the fault tests that restart the infrastructure every other test shares (the
broker stop/start, the database stop/start): one implementation of how, through the
local runner's own scripts, so a test restarts them exactly as `./dev` does. A test
that calls these must start them again whatever happens (`finally`).
"""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]
SCRIPTS = ROOT / "deploy" / "local"
KAFKA_CONFIG = Path(os.environ.get("IOC_HOME", ROOT / ".local")) / "kafka" / "server.properties"
SCRIPT_TIMEOUT_SECONDS = 180


def kafka(action: str) -> None:
    """`deploy/local/kafka.sh ACTION` (start, stop, restart)."""
    _run("kafka.sh", action)


def postgres(*arguments: str) -> None:
    """`deploy/local/timescaledb.sh ARGUMENTS` (start; stop [fast|immediate])."""
    _run("timescaledb.sh", *arguments)


def broker_pids() -> list[int]:
    """The java processes running this checkout's broker (found by their command line)."""
    wanted = [b"kafka.Kafka", str(KAFKA_CONFIG).encode()]
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            arguments = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if all(part in arguments for part in wanted):
            found.append(int(entry.name))
    return found


def stop_broker() -> None:
    """`kafka.sh stop`, which must leave no broker of this checkout running."""
    kafka("stop")
    left = broker_pids()
    for pid in left:  # tidy up for the tests after this one, then fail
        os.kill(pid, signal.SIGKILL)
    assert not left, f"kafka.sh stop left the broker running (pids {left})"


def _run(script: str, *arguments: str) -> None:
    subprocess.run(  # noqa: S603 - the repository's own scripts
        [str(SCRIPTS / script), *arguments],
        check=True,
        capture_output=True,
        timeout=SCRIPT_TIMEOUT_SECONDS,
    )
