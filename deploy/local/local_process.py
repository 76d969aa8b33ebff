"""One process the local runner starts, waits for and stops, and where it keeps its files."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
HOME = Path(os.environ.get("IOC_HOME", ROOT / ".local"))
LOGS = HOME / "log"


def say(message: str) -> None:
    print(f"\033[1;34m==>\033[0m {message}", flush=True)


@dataclass
class Child:
    name: str
    command: list[str]
    env: dict[str, str]
    ready_url: str | None = None
    log: Path | None = None
    stream: bool = False
    # The loopback port it listens on, when no readiness URL names it.
    port: int | None = None
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def start(self) -> None:
        self._ensure_port_free()
        output = (
            subprocess.PIPE if self.stream else (self.log or LOGS / f"{self.name}.log").open("ab")
        )
        self.process = subprocess.Popen(  # noqa: S603 - our own commands
            self.command,
            env=self.env,
            stdout=output,
            stderr=output if not self.stream else None,
            cwd=ROOT,
            # Its own session: Ctrl-C reaches this runner only, which then stops
            # the children in order instead of all at once.
            start_new_session=True,
        )

    def _ensure_port_free(self) -> None:
        """A port held by another process is a clear error before the start: otherwise
        the child dies on it while whatever holds the port may answer the readiness
        probe in its place (Debian's own Alertmanager, say)."""
        port = self.port or (urlsplit(self.ready_url).port if self.ready_url else None)
        if port is None:
            return
        with socket.socket() as probe:
            probe.settimeout(1)
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return
        sys.exit(
            f"port {port} on 127.0.0.1 is already in use, so {self.name} cannot start\n"
            f"  what to do: stop whatever listens there (ss -ltnp 'sport = :{port}') or "
            "choose another port with the matching IOC_*_PORT variable"
        )

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def wait_ready(self, timeout: float = 90.0) -> None:
        if self.ready_url is None:
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                log = LOGS / f"{self.name}.log"
                tail = log.read_text(errors="replace").splitlines()[-15:] if log.exists() else []
                sys.exit(f"{self.name} stopped while starting:\n" + "\n".join(tail))
            try:
                with urllib.request.urlopen(self.ready_url, timeout=2) as answer:  # noqa: S310
                    if answer.status < 300:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.3)
        sys.exit(f"{self.name} was not ready after {timeout:.0f} s (log: {LOGS / self.name}.log)")

    def stop(self) -> None:
        if not self.alive():
            return
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
