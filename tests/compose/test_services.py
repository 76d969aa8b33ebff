"""compose.yaml's services: the required ones, pinned images, loopback-only ports,
health checks that ask each service's /healthz, the init job first, named volumes."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from .support import (
    DATA_VOLUMES,
    HTTP_PORTS,
    INIT_STEPS,
    PUBLISHED_PORTS,
    REQUIRED_SERVICES,
    ROOT,
    SERVICE_PORTS,
    compose,
    env_example,
    environment,
    published,
    resolve,
    services,
)


def test_every_required_service_is_defined() -> None:
    missing = REQUIRED_SERVICES - set(services())
    assert not missing, f"compose.yaml lacks {missing}"


def test_images_are_pinned() -> None:
    for name, service in services().items():
        image = resolve(str(service["image"]), env_example())
        repository, _, tag = image.rpartition(":")
        assert repository, f"{name}: image {image!r} has no tag"
        assert "/" not in tag, f"{name}: image {image!r} has no tag"
        if "build" in service:
            assert repository == f"ioc-monitor/{name}", f"{name}: built image named {image!r}"
            continue
        assert re.search(r"\d+\.\d+", tag), f"{name}: {image!r} is not pinned to a version"


def test_published_ports_listen_on_loopback_only() -> None:
    seen = set()
    for name, service in services().items():
        for entry in service.get("ports", []):
            host_ip, container_port = published(entry)
            assert host_ip == "127.0.0.1", f"{name} publishes {entry!r} beyond loopback"
            seen.add((name, container_port))
    assert seen == PUBLISHED_PORTS


def test_long_running_services_have_healthchecks() -> None:
    for name, service in services().items():
        if name == "init":
            continue
        check = service.get("healthcheck", {})
        assert not check.get("disable", False), f"{name}: healthcheck disabled"
        assert check.get("test"), f"{name}: no healthcheck"
        assert check["test"] != ["NONE"], f"{name}: healthcheck disabled"


@pytest.mark.parametrize(("service", "port"), HTTP_PORTS.items())
def test_service_healthcheck_asks_its_own_healthz_with_python(service: str, port: int) -> None:
    test = services()[service]["healthcheck"]["test"]
    assert test[:3] == ["CMD", "python", "-c"]
    assert f"http://127.0.0.1:{port}/healthz" in test[3]


class _Health(BaseHTTPRequestHandler):
    status = 200

    def do_GET(self) -> None:
        self.send_response(self.status if self.path == "/healthz" else 404)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        """Keeps the test output quiet."""


@pytest.mark.parametrize(("service", "port"), HTTP_PORTS.items())
def test_python_healthcheck_passes_only_on_a_healthy_answer(service: str, port: int) -> None:
    code = services()[service]["healthcheck"]["test"][3]
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Health)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        local = code.replace(f"127.0.0.1:{port}/", f"127.0.0.1:{server.server_port}/")
        assert local != code
        results = {}
        for status in (200, 503):
            _Health.status = status
            run = subprocess.run([sys.executable, "-c", local], capture_output=True, timeout=30)
            results[status] = run.returncode
    finally:
        _Health.status = 200
        server.shutdown()
        server.server_close()
    assert results[200] == 0
    assert results[503] != 0


@pytest.mark.parametrize(("service", "port"), HTTP_PORTS.items())
def test_services_listen_beyond_the_container_loopback(service: str, port: int) -> None:
    # The services default to 127.0.0.1, which nothing outside the container can reach.
    env = environment(service)
    assert (env["IOC_HTTP_HOST"], env["IOC_HTTP_PORT"]) == ("0.0.0.0", str(port))


@pytest.mark.parametrize("service", HTTP_PORTS)
def test_services_wait_for_init_to_complete(service: str) -> None:
    depends_on = services()[service]["depends_on"]
    assert depends_on["init"]["condition"] == "service_completed_successfully"


def test_init_is_one_shot_after_healthy_kafka_and_timescaledb() -> None:
    init = services()["init"]
    assert init["restart"] == "no"
    assert {name: d["condition"] for name, d in init["depends_on"].items()} == {
        "kafka": "service_healthy",
        "timescaledb": "service_healthy",
    }
    shell, flag, script = init["command"]
    assert (shell.rsplit("/", 1)[-1], flag) == ("sh", "-c")
    assert [step.strip() for step in script.split("&&")] == INIT_STEPS


def test_data_lives_in_declared_named_volumes() -> None:
    declared = set(compose().get("volumes") or {})
    for name, service in services().items():
        for mount in service.get("volumes", []):
            source, target = str(mount).split(":")[:2]
            if not source.startswith((".", "/")):
                assert source in declared, f"{name}: volume {source!r} is not declared"
    for name, target in DATA_VOLUMES.items():
        mounts = [str(m).split(":")[:2] for m in services()[name].get("volumes", [])]
        named = {t: s for s, t in mounts if not s.startswith((".", "/"))}
        assert target in named, f"{name}: {target} is not on a named volume"


def test_bind_mounts_come_from_the_repository() -> None:
    for name, service in services().items():
        for mount in service.get("volumes", []):
            source = str(mount).split(":")[0]
            if source.startswith("."):
                assert (ROOT / source).exists(), f"{name}: {source} does not exist"


def test_kafka_is_a_single_kraft_node_without_topic_auto_creation() -> None:
    env = environment("kafka")
    assert env["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert set(env["KAFKA_LISTENERS"].split(",")) == {"PLAINTEXT://:9092", "CONTROLLER://:9093"}
    assert env["KAFKA_ADVERTISED_LISTENERS"] == "PLAINTEXT://kafka:9092"
    assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
    for key in ("OFFSETS_TOPIC", "TRANSACTION_STATE_LOG"):
        assert env[f"KAFKA_{key}_REPLICATION_FACTOR"] == "1"
    check = " ".join(services()["kafka"]["healthcheck"]["test"])
    assert "kafka-broker-api-versions.sh --bootstrap-server localhost:9092" in check
    for name in ("init", *SERVICE_PORTS):
        assert environment(name)["IOC_KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092", name
