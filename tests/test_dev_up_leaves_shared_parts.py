"""`./dev up` stops on its way out only the infrastructure it started.

It once stopped Kafka and PostgreSQL whoever had started them: a second `./dev up` from
the same checkout (a routine mistake; now refused before it starts, see
`test_dev_script.py`), failing on a port the first one held, took the first one's broker
and database down with it. Any `./dev up` that fails on a port another program holds
would do the same to a developer's `./dev infra` or a running test suite's. Here the
infrastructure is the suite's own, already running.
"""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _status(part: str) -> int:
    return subprocess.run(
        [str(ROOT / f"deploy/local/{part}.sh"), "status"],
        capture_output=True,
        timeout=60,
        check=False,
    ).returncode


def test_a_second_dev_up_leaves_the_running_broker_and_database_up() -> None:
    assert _status("kafka") == 0, "the suite's Kafka should be running"
    assert _status("timescaledb") == 0, "the suite's PostgreSQL should be running"
    with socket.socket() as holder:
        # The demo mailbox's port, held as the first `./dev up` holds it.
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        done = subprocess.run(
            [str(ROOT / "dev"), "up", "--no-demo", "--no-prometheus", "--no-grafana"],
            env={**os.environ, "IOC_MAILBOX_PORT": str(port)},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert f"port {port} on 127.0.0.1 is already in use, so mailbox cannot start" in output
    assert "leaving kafka running: it was running before ./dev up" in output
    assert "leaving timescaledb running: it was running before ./dev up" in output
    assert _status("kafka") == 0, output
    assert _status("timescaledb") == 0, output
