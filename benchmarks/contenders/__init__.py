"""The contenders, each writing (or reading) the same events:

- `raw_copy`: COPY of the rows from memory into the hypertable (a limit);
- `drain`: a consumer that only reads the topic to its end (a limit);
- `ours`: the real aggregator process(es), end to end;
- `kafka_connect`: a standalone Kafka Connect worker with Debezium's JDBC sink (the peer);
- `naive`: one INSERT and one offset commit per message (the floor).

The small ones run in a process of their own (`python -m benchmarks.contenders.<name>`),
so their memory is theirs alone and they do not share the harness's interpreter.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.infrastructure import ROOT


@dataclass
class Subprocess:
    """A contender run as `python -m <module> <args>`; its last stdout line is JSON."""

    module: str
    args: list[str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> int:
        self.process = subprocess.Popen(  # noqa: S603 - our interpreter, our module
            [sys.executable, "-m", self.module, *self.args],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=self.log_path.open("ab"),
        )
        return self.process.pid

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    async def result(self, within: float) -> dict[str, Any]:
        assert self.process is not None
        deadline = time.monotonic() + within
        while self.alive() and time.monotonic() < deadline:  # noqa: ASYNC110 - a child process
            await asyncio.sleep(0.1)
        if self.alive():
            self.stop()
            raise TimeoutError(f"{self.module} did not finish within {within:g} s")
        assert self.process.stdout is not None
        lines = self.process.stdout.read().decode().strip().splitlines()
        if self.process.returncode != 0 or not lines:
            raise RuntimeError(
                f"{self.module} failed ({self.process.returncode}), see {self.log_path}"
            )
        return dict(json.loads(lines[-1]))

    def stop(self) -> None:
        if self.alive():
            assert self.process is not None
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def emit(result: dict[str, Any]) -> None:
    """How a contender process hands its figures back: one JSON line on stdout."""
    print(json.dumps(result), flush=True)
