"""A service run as a real process, as in production, so a test can kill it."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable
from pathlib import Path

_PORTS_HANDED_OUT: set[int] = set()


def free_port() -> int:
    """A loopback port nothing listens on now, never the same twice in one test run.

    The port is released at once and bound later by whoever gets it; meanwhile the
    kernel may offer it again to the next caller, and two services of one test would
    then start on the same port.
    """
    while True:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1])
        if port not in _PORTS_HANDED_OUT:
            _PORTS_HANDED_OUT.add(port)
            return port


class ServiceProcess:
    """A service run as `python -m <module>`, as in production, so it can be killed -9."""

    def __init__(self, module: str, env: dict[str, str], log_path: Path) -> None:
        self.module = module
        self.port = free_port()
        self.env = {**os.environ, **env, "IOC_HTTP_PORT": str(self.port)}
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", self.module], env=self.env, stdout=log, stderr=log
        )

    def wait_ready(self, path: str = "/readyz", timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"{self.module} exited: {self.log_tail()}")
            try:
                with urllib.request.urlopen(self.url + path, timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        raise TimeoutError(f"{self.module} not ready after {timeout} s: {self.log_tail()}")

    def kill(self) -> None:
        """SIGKILL: no shutdown hook runs, nothing is flushed or committed."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()

    def metrics(self) -> str:
        with urllib.request.urlopen(self.url + "/metrics", timeout=5) as response:  # noqa: S310
            return str(response.read().decode())

    async def wait_for_sample(self, sample: str, *, within: float = 60.0) -> None:
        """Waits until `/metrics` shows `sample` (a whole line such as `name{label="x"} 1.0`).

        A counter moves when the batch holding its record is done, which may be a batch
        after the one that stored the rows a test waited for; asserting at once would race.
        """

        async def shown() -> bool:
            text = await asyncio.to_thread(self.metrics)
            return sample in text.splitlines()

        await wait_for(shown, within=within, what=f"{sample!r} in the metrics of {self.url}")

    def resident_mib(self) -> float:
        """The process's resident memory now (VmRSS), in MiB."""
        assert self.process is not None, "not started"
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        match = re.search(r"^VmRSS:\s+(\d+) kB$", status, re.MULTILINE)
        assert match is not None, "no VmRSS line"
        return int(match.group(1)) / 1024

    def log_tail(self, lines: int = 30) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


async def closed_by_peer(reader: asyncio.StreamReader) -> bool:
    """Whether the other end closed the connection (an end of stream within 50 ms);
    a reset or silence is not taken for a close."""
    try:
        return await asyncio.wait_for(reader.read(1024), 0.05) == b""
    except (TimeoutError, ConnectionResetError):
        return False


async def wait_for(
    condition: Callable[[], Awaitable[bool]], *, within: float = 60.0, what: str = "condition"
) -> None:
    """Polls an async predicate until it holds; fails with `what` when time runs out."""
    deadline = time.monotonic() + within
    while True:
        if await condition():
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {within} s waiting for {what}")
        await asyncio.sleep(0.2)
