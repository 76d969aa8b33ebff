"""The peer: a standalone Kafka Connect worker with Debezium's JDBC sink, upsert mode,
writing the same events into the same hypertable.

The worker and the connector come from Maven Central through
deploy/local/kafka-connect/kafka-connect.sh. The connector reads the same events in
the schema'd JSON envelope its JsonConverter needs (benchmarks/events.py), from a
topic of its own, and logs in as a role with INSERT/UPDATE on ioc.observations only.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import time
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from benchmarks.bench import Bench
from benchmarks.infrastructure import ROOT, create_peer_role, progress
from benchmarks.measure import pid_file
from ioc_testing.pipeline import free_port

SCRIPT = ROOT / "deploy" / "local" / "kafka-connect" / "kafka-connect.sh"
DEBEZIUM_POM = ROOT / "deploy" / "local" / "kafka-connect" / "pom.xml"


class Blocked(Exception):  # noqa: N818 - a contender's state, as the report names it
    """The peer could not run here; the message is the exact error."""


def _script(action: str, env: dict[str, str], timeout: float) -> None:
    done = subprocess.run(  # noqa: S603 - the repository's own script
        [str(SCRIPT), action], env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        raise Blocked(f"kafka-connect.sh {action} failed: {(done.stderr or done.stdout).strip()}")


def _rest(method: str, url: str, body: dict[str, Any] | None = None) -> Any:
    request = urllib.request.Request(  # noqa: S310 - loopback REST API of our own worker
        url,
        data=json.dumps(body).encode() if body is not None else None,
        method=method,
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        raw = response.read()
    return json.loads(raw) if raw else None


class TaskHealth:
    """Asks the worker (at most every 2 s) whether a task failed, so a broken connector
    ends the wait at once instead of at the deadline."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.checked = 0.0
        self.failure = ""

    def running(self) -> bool:
        if not self.failure and time.monotonic() - self.checked >= 2.0:
            self.checked = time.monotonic()
            try:
                status = _rest("GET", self.url)
            except (OSError, urllib.error.URLError):
                return True  # not created yet, or busy: the deadline still holds
            for task in status.get("tasks", []):
                if task.get("state") == "FAILED":
                    self.failure = str(task.get("trace", "")).strip()[:600]
        return not self.failure


def connector_config(
    bench: Bench, topic: str, user: str, password: str, tasks: int
) -> dict[str, str]:
    server = urlsplit(bench.database.dsns["writer"])
    return {
        "connector.class": "io.debezium.connector.jdbc.JdbcSinkConnector",
        "tasks.max": str(tasks),
        "topics": topic,
        "connection.url": f"jdbc:postgresql://{server.hostname}:{server.port}/{bench.database.name}",
        "connection.username": user,
        "connection.password": password,
        "insert.mode": "upsert",
        "primary.key.mode": "record_value",
        # The ledger's key: an event id belongs to its agency.
        "primary.key.fields": "agency,event_id,observed_at",
        # A literal name: the default would derive the table from the topic name.
        "collection.name.format": "ioc.observations",
        "schema.evolution": "none",
        "batch.size": "1000",
        "use.time.zone": "UTC",
    }


def versions() -> dict[str, str]:
    text = DEBEZIUM_POM.read_text(encoding="utf-8")

    def prop(name: str) -> str:
        start = text.index(f"<{name}>") + len(name) + 2
        return text[start : text.index(f"</{name}>")]

    return {"debezium": prop("debezium.version"), "postgresql_jdbc": prop("postgresql.version")}


async def throughput(
    bench: Bench, *, topic: str, events: int, tasks: int = 1, within: float = 240
) -> dict[str, Any]:
    run_dir = bench.work / "kafka-connect"
    port = free_port()
    env = {
        **os.environ,
        "IOC_CONNECT_PORT": str(port),
        "IOC_CONNECT_RUN_DIR": str(run_dir),
        "IOC_CONNECT_HEAP": os.environ.get("IOC_CONNECT_HEAP", "256m"),
        # Sink offsets every second, so "offsets at the end" is observable within the run.
        "IOC_CONNECT_OFFSET_FLUSH_MS": "1000",
        "IOC_KAFKA_PORT": bench.bootstrap.rsplit(":", 1)[1],
    }
    progress("  installing (cached) and starting the Kafka Connect worker")
    await asyncio.to_thread(_script, "install", env, 900)
    name = f"bench-{bench.run}-debezium-jdbc-{bench.serial}"
    base = f"http://127.0.0.1:{port}"
    role_name = f"bench_connect_{bench.run}_{bench.serial}"
    bench.roles.append(role_name)
    role = await create_peer_role(bench.env, bench.database.name, role_name)
    try:
        await asyncio.to_thread(_script, "start", env, 300)
        config = connector_config(bench, topic, role.name, role.password, tasks)
        await asyncio.to_thread(_rest, "PUT", f"{base}/connectors/{name}/config", config)
        progress(f"  connector {name} created (tasks.max={tasks})")
        health = TaskHealth(f"{base}/connectors/{name}/status")
        result = await bench.consumed(
            group=f"connect-{name}",
            topic=topic,
            events=events,
            within=within,
            processes={"kafka connect worker": pid_file(run_dir / "connect.pid")},
            alive=health.running,
        )
        if health.failure:
            if result["rows"] == 0:
                raise Blocked(f"connector task failed: {health.failure}")
            result["failed"] = (
                f"connector task failed after {result['rows']} rows: {health.failure}"
            )
        result |= {
            "tasks": tasks,
            "config": {k: v for k, v in config.items() if "password" not in k},
        }
        return result
    finally:
        with contextlib.suppress(OSError, urllib.error.URLError):
            await asyncio.to_thread(_rest, "DELETE", f"{base}/connectors/{name}")
        await asyncio.to_thread(_script, "stop", env, 60)
