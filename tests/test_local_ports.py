"""The local system's loopback ports: no two of its defaults are the same, and a port
another process holds stops the runner with a clear message before anything starts.

Both once failed: Alertmanager's default (9093) was the local Kafka's controller port,
so `./dev up` on a machine where the test command had installed Alertmanager died on
it; and a foreign process answering on a child's port could pass its readiness probe.
"""

from __future__ import annotations

import importlib.util
import socket
import subprocess
import sys
from collections import Counter
from dataclasses import fields
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _module(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / f"deploy/local/{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


local_config = _module("local_config")
local_process = _module("local_process")


def _shell_defaults(tmp_path: Path) -> dict[str, int]:
    """The ports `deploy/local/lib.sh` chooses when no IOC_*_PORT is set."""
    names = ("IOC_KAFKA_PORT", "IOC_KAFKA_CONTROLLER_PORT", "IOC_KAFKA_SASL_PORT", "IOC_PG_PORT")
    script = f"source {ROOT / 'deploy/local/lib.sh'}; " + "; ".join(
        f'echo "{n}=${{{n}}}"' for n in names
    )
    shown = subprocess.run(
        ["/bin/bash", "-c", script],
        env={"PATH": "/usr/bin:/bin", "IOC_HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {k: int(v) for k, v in (line.split("=") for line in shown.split())}


def _cluster_defaults() -> dict[str, int]:
    """`./dev cluster`: node N's client port is 29092 + 10·(N−1), its controller the next."""
    ports: dict[str, int] = {}
    for node in (1, 2, 3):
        ports[f"cluster node {node}"] = 29092 + 10 * (node - 1)
        ports[f"cluster controller {node}"] = 29092 + 10 * (node - 1) + 1
    return ports


def test_no_two_default_ports_of_the_local_system_are_the_same(tmp_path: Path) -> None:
    defaults = local_config.LocalPorts()
    shell = _shell_defaults(tmp_path)
    # The one port both sides name: PostgreSQL's.
    assert defaults.postgres == shell["IOC_PG_PORT"]
    ports = {
        **shell,
        **{f.name: getattr(defaults, f.name) for f in fields(defaults) if f.name != "postgres"},
        **_cluster_defaults(),
    }
    assert ports["IOC_KAFKA_CONTROLLER_PORT"] == 9093  # the shell's defaults were read
    shared = {p for p, n in Counter(ports.values()).items() if n > 1}
    assert not shared, {name: port for name, port in ports.items() if port in shared}


def test_the_cluster_script_places_its_nodes_where_the_test_expects() -> None:
    script = (ROOT / "deploy/local/kafka-cluster.sh").read_text(encoding="utf-8")
    assert "BASE_PORT=${IOC_KAFKA_CLUSTER_PORT:-29092}" in script
    assert "client_port() { echo $((BASE_PORT + 10 * ($1 - 1))); }" in script
    assert 'controller_port() { echo $(($(client_port "$1") + 1)); }' in script


def test_a_port_held_by_another_process_stops_the_child_before_it_starts() -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        child = local_process.Child(
            "alertmanager",
            [sys.executable, "-c", "pass"],
            {},
            f"http://127.0.0.1:{port}/-/ready",
        )
        with pytest.raises(SystemExit) as stopped:
            child.start()
    message = str(stopped.value)
    assert f"port {port} on 127.0.0.1 is already in use, so alertmanager cannot start" in message
    assert "IOC_*_PORT" in message
    assert child.process is None


def test_a_free_port_lets_the_child_start() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    child = local_process.Child(
        "probe", [sys.executable, "-c", "pass"], {}, f"http://127.0.0.1:{port}/", stream=True
    )
    child.start()
    assert child.process is not None
    assert child.process.wait(timeout=30) == 0
