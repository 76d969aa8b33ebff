"""The Docker deployment, checked without a Docker engine.

compose.yaml, deploy/docker/Dockerfile, .dockerignore, env.example and Grafana's
provisioning are parsed and checked against each other and against the workspace. Where
the `docker compose` plugin is installed, it validates the file too (it needs no engine).
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import sys
import threading
import tomllib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
COMPOSE_FILE = ROOT / "compose.yaml"
DOCKERFILE = ROOT / "deploy" / "docker" / "Dockerfile"
ENV_EXAMPLE = ROOT / "deploy" / "docker" / "env.example"
GRAFANA = ROOT / "deploy" / "grafana"

# The services and the port of their health and metrics endpoint.
SERVICE_PORTS = {"ingest": 8080, "aggregator": 9102, "alerts": 8082, "derived": 9104}
# Processes run from a service's image that are not a service of their own.
EXPORTER_PORTS = {"lag-exporter": 9105}
HTTP_PORTS = {**SERVICE_PORTS, **EXPORTER_PORTS}
REQUIRED_SERVICES = {
    "kafka",
    "timescaledb",
    "init",
    "prometheus",
    "alertmanager",
    "grafana",
    "mailpit",
}
REQUIRED_SERVICES |= set(HTTP_PORTS)
# What each service publishes on the host (always 127.0.0.1); nothing else is published.
PUBLISHED_PORTS = {
    ("ingest", 8080),
    ("alerts", 8082),
    ("prometheus", 9090),
    ("alertmanager", 9093),
    ("grafana", 3000),
    ("mailpit", 8025),
}
DATA_VOLUMES = {
    "kafka": "/var/lib/kafka/data",
    "timescaledb": "/var/lib/postgresql/data",
    "prometheus": "/prometheus",
    "alertmanager": "/alertmanager",
    "grafana": "/var/lib/grafana",
}
DATABASE_ROLES = {
    "init": "ioc_migrator",
    "ingest": "ioc_ingest",
    "aggregator": "ioc_writer",
    "alerts": "ioc_alerts",
    "derived": "ioc_derived",
}
ROLE_PASSWORD_VARIABLES = {
    "ioc_migrator": "IOC_DB_PASSWORD_MIGRATOR",
    "ioc_writer": "IOC_DB_PASSWORD_WRITER",
    "ioc_ingest": "IOC_DB_PASSWORD_INGEST",
    "ioc_alerts": "IOC_DB_PASSWORD_ALERTS",
    "ioc_reader": "IOC_DB_PASSWORD_READER",
    "ioc_derived": "IOC_DB_PASSWORD_DERIVED",
}
INIT_STEPS = ["ioc-db bootstrap", "ioc-db migrate", "ioc-db load-catalog", "ioc-topics create"]

# ${VAR}, ${VAR:-default}, ${VAR:?message} and $VAR, as compose interpolates them; $$ is
# a literal dollar and is removed before matching.
_INTERPOLATION = re.compile(
    r"\$(?:\{(?P<braced>[A-Za-z_]\w*)(?P<modifier>[^}]*)\}|(?P<bare>[A-Za-z_]\w*))"
)


@functools.cache
def compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    return document


def services() -> dict[str, dict[str, Any]]:
    result: dict[str, dict[str, Any]] = compose()["services"]
    return result


def environment(service: str) -> dict[str, str]:
    env = services()[service].get("environment", {})
    assert isinstance(env, dict), f"{service}: write environment as a mapping"
    return {str(key): str(value) for key, value in env.items()}


def strings(node: object) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield str(key)
            yield from strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from strings(item)


def interpolations(text: str) -> Iterator[tuple[str, str]]:
    """(variable, modifier) for each interpolation in text."""
    for match in _INTERPOLATION.finditer(text.replace("$$", "")):
        yield match["braced"] or match["bare"], match["modifier"] or ""


def resolve(text: str, values: dict[str, str] | None = None) -> str:
    """text as compose would interpolate it; a variable without a value becomes __NAME__."""

    def value(match: re.Match[str]) -> str:
        name = match["braced"] or match["bare"]
        return (values or {}).get(name, f"__{name}__")

    return "$".join(_INTERPOLATION.sub(value, part) for part in text.split("$$"))


def env_example() -> dict[str, str]:
    entries: dict[str, str] = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            entries[name.strip()] = value.strip()
    return entries


def published(entry: object) -> tuple[str, int]:
    """(host address, container port) of one `ports` entry, short or long syntax."""
    if isinstance(entry, dict):
        return str(entry.get("host_ip", "0.0.0.0")), int(entry["target"])
    text = str(entry).split("/")[0]
    parts = text.rsplit(":", 2)
    host_ip = parts[0].strip("[]") if len(parts) == 3 else "0.0.0.0"
    return host_ip, int(parts[-1])


# --- compose.yaml --------------------------------------------------------------------------


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


def test_every_variable_is_documented_in_env_example() -> None:
    used = {name for text in strings(compose()) for name, _ in interpolations(text)}
    documented = set(env_example())
    assert used - documented == set(), "add these to deploy/docker/env.example"
    assert documented - used == set(), "env.example lists variables compose does not use"


def test_secrets_are_required_and_only_placeholders_are_shipped() -> None:
    secrets = set()
    for text in strings(compose()):
        for name, modifier in interpolations(text):
            if "PASSWORD" in name:
                secrets.add(name)
                assert re.fullmatch(r":\?.+", modifier), f"${{{name}}} must use :?message"
    assert {"IOC_DB_SUPERUSER_PASSWORD", *ROLE_PASSWORD_VARIABLES.values()} <= secrets
    example = env_example()
    for name in secrets:
        assert example[name].startswith("change-me"), f"{name} in env.example is not a placeholder"


@pytest.mark.parametrize(("service", "role"), DATABASE_ROLES.items())
def test_each_service_connects_as_its_own_role(service: str, role: str) -> None:
    url = urlsplit(resolve(environment(service)["IOC_DATABASE_URL"]))
    assert url.scheme == "postgresql"
    assert (url.username, url.hostname, url.port, url.path) == (role, "timescaledb", 5432, "/ioc")
    assert url.password == f"__{ROLE_PASSWORD_VARIABLES[role]}__"


def test_only_init_holds_the_superuser_and_the_role_passwords() -> None:
    superuser = urlsplit(resolve(environment("init")["IOC_DB_SUPERUSER_URL"]))
    assert (superuser.username, superuser.password) == ("postgres", "__IOC_DB_SUPERUSER_PASSWORD__")
    assert (superuser.hostname, superuser.port, superuser.path) == (
        "timescaledb",
        5432,
        "/postgres",
    )
    for name in services():
        keys = set(environment(name))
        values = " ".join(environment(name).values())
        if name not in {"init", "timescaledb"}:
            assert "IOC_DB_SUPERUSER_PASSWORD" not in values, name
        if name != "init":
            assert "IOC_DB_SUPERUSER_URL" not in keys, name
            allowed = {"IOC_DB_PASSWORD_READER"} if name == "grafana" else set()
            assert {k for k in keys if k.startswith("IOC_DB_PASSWORD_")} == allowed, name


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


# --- the image: deploy/docker/Dockerfile and .dockerignore ---------------------------------


@functools.cache
def dockerfile() -> list[tuple[str, str, str]]:
    """(stage, INSTRUCTION, arguments) in order; continuation lines joined."""
    instructions: list[tuple[str, str, str]] = []
    stage, pending = "", ""
    for raw in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        keyword, _, arguments = (pending + line).partition(" ")
        pending = ""
        if keyword.upper() == "FROM":
            stage = arguments.split()[-1] if " AS " in arguments.upper() else arguments
        instructions.append((stage, keyword.upper(), arguments.strip()))
    return instructions


def stage_parents() -> dict[str, str]:
    return {stage: args.split()[0] for stage, keyword, args in dockerfile() if keyword == "FROM"}


def stage_instructions(stage: str, keyword: str) -> list[str]:
    """Arguments of each KEYWORD instruction in effect in stage, its parents' first."""
    parents, chain = stage_parents(), [stage]
    while chain[-1] in parents:
        chain.append(parents[chain[-1]])
    return [a for name in reversed(chain) for s, k, a in dockerfile() if s == name and k == keyword]


def global_args() -> dict[str, str]:
    found = {}
    for stage, keyword, args in dockerfile():
        if keyword == "ARG" and not stage and "=" in args:
            name, _, value = args.partition("=")
            found[name] = value
    return found


def compose_builds() -> dict[str, dict[str, Any]]:
    return {name: s["build"] for name, s in services().items() if "build" in s}


def test_compose_builds_every_image_from_the_repository_root() -> None:
    assert set(compose_builds()) == {"init", *HTTP_PORTS}
    for name, build in compose_builds().items():
        assert build["context"] == "."
        assert ROOT / build["dockerfile"] == DOCKERFILE
        assert build["target"] in stage_parents(), f"{name}: no stage {build['target']!r}"
        service = build["args"]["SERVICE"]
        assert service == (name if name in SERVICE_PORTS else "aggregator")


def test_dockerfile_copies_only_what_exists_in_the_build_context() -> None:
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()}
    copied = set()
    for _, keyword, args in dockerfile():
        if keyword != "COPY" or "--from=" in args:
            continue
        *sources, _ = [word for word in args.split() if not word.startswith("--")]
        for source in sources:
            copied.add(source.rstrip("/"))
            assert (ROOT / source).exists(), f"COPY {source}: not in the repository root"
            assert source.rstrip("/") not in ignored, f"COPY {source}: excluded by .dockerignore"
    assert {"pyproject.toml", "libs", "services"} <= copied
    members = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["uv"]["workspace"]
    assert {glob.split("/")[0] for glob in members["members"]} <= copied


def test_dockerfile_installs_exactly_the_locked_packages_of_one_service() -> None:
    runs = [args for _, keyword, args in dockerfile() if keyword == "RUN"]
    syncs = [run for run in runs if "uv sync" in run]
    assert syncs, "no uv sync in the Dockerfile"
    for run in syncs:
        for flag in ("--frozen", "--no-dev", '--package "ioc-${SERVICE}"'):
            assert flag in run, f"uv sync without {flag}: {run}"
    # The lock is made from pyproject.toml's pins before the first sync reads it.
    assert "uv lock" in syncs[0].split("uv sync")[0], syncs[0]
    assert not [run for run in runs if re.search(r"\bpip\b", run)], "pip bypasses the pins"
    for stage in {s for s, keyword, args in dockerfile() if keyword == "RUN" and "uv " in args}:
        assert "UV_PYTHON_DOWNLOADS=never" in " ".join(stage_instructions(stage, "ENV")), stage


def test_dockerfile_bases_are_pinned_python_3_11_slim_and_uv() -> None:
    resolved = {
        stage: re.sub(r"\$\{(\w+)\}", lambda m: global_args()[m[1]], parent)
        for stage, parent in stage_parents().items()
    }
    external = {image for image in resolved.values() if image not in resolved}
    assert all(re.search(r":\d", image) for image in external), external
    assert {i.split(":")[0] for i in external} == {"python", "ghcr.io/astral-sh/uv"}
    assert all(i.startswith("python:3.11-slim") for i in external if i.startswith("python"))


@pytest.mark.parametrize("target", ["init", "service"])
def test_images_run_as_a_non_root_user(target: str) -> None:
    users = stage_instructions(target, "USER")
    assert users, f"{target}: no USER, so it runs as root"
    assert users[-1].split(":")[0] not in {"root", "0"}


@pytest.mark.parametrize("service", SERVICE_PORTS)
def test_service_command_is_a_package_of_that_service(service: str) -> None:
    assert services()[service]["command"] == ["python", "-m", f"ioc_{service}"]
    assert (ROOT / "services" / service / "src" / f"ioc_{service}" / "__init__.py").is_file()
    project = tomllib.loads((ROOT / "services" / service / "pyproject.toml").read_text())
    assert project["project"]["name"] == f"ioc-{service}"
    cmd = [a for s, k, a in dockerfile() if s == "service" and k == "CMD"]
    assert cmd, "the service stage has no CMD"
    assert "ioc_${IOC_SERVICE}" in cmd[-1]


def test_the_lag_exporter_runs_from_an_image_that_carries_it() -> None:
    exporter = services()["lag-exporter"]
    assert exporter["command"] == ["python", "-m", "ioc_messaging.lag_exporter"]
    assert (ROOT / "libs/messaging/src/ioc_messaging/lag_exporter/__main__.py").is_file()
    package = f"ioc-{exporter['build']['args']['SERVICE']}"
    assert "ioc-messaging" in workspace_projects()[package]["dependencies"]
    # No database: it reads only Kafka.
    assert not any("DATABASE" in name for name in environment("lag-exporter"))


def workspace_projects() -> dict[str, dict[str, Any]]:
    projects = {}
    for path in [*ROOT.glob("libs/*/pyproject.toml"), *ROOT.glob("services/*/pyproject.toml")]:
        project: dict[str, Any] = tomllib.loads(path.read_text())["project"]
        projects[project["name"]] = project
    return projects


def test_init_image_carries_the_commands_it_runs() -> None:
    projects = workspace_projects()
    wanted = [f"ioc-{compose_builds()['init']['args']['SERVICE']}"]
    closure: set[str] = set()
    while wanted:
        name = wanted.pop()
        if name in closure:
            continue
        closure.add(name)
        for requirement in projects[name].get("dependencies", []):
            dependency = re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0]
            if dependency in projects:
                wanted.append(dependency)
    scripts = {script for name in closure for script in projects[name].get("scripts", {})}
    assert {step.split()[0] for step in INIT_STEPS} <= scripts


def test_dockerignore_keeps_secrets_and_local_state_out_of_the_image() -> None:
    patterns = set((ROOT / ".dockerignore").read_text().split())
    for required in (".env", ".git", ".local", "**/.venv", "**/__pycache__"):
        assert required in patterns, f".dockerignore lacks {required}"


# --- Grafana provisioning ------------------------------------------------------------------


def container_path(service: str, source: str) -> str:
    for mount in services()[service]["volumes"]:
        parts = str(mount).split(":")
        if parts[0].rstrip("/") == source:
            return parts[1]
    raise AssertionError(f"{service} does not mount {source}")


def grafana_datasources() -> dict[str, dict[str, Any]]:
    path = GRAFANA / "provisioning" / "datasources" / "datasources.yaml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {source["uid"]: source for source in document["datasources"]}


def test_grafana_reads_timescaledb_as_the_read_only_role() -> None:
    source = grafana_datasources()["ioc-timescaledb"]
    assert source["type"] in {"grafana-postgresql-datasource", "postgres"}
    assert source["user"] == "ioc_reader"
    assert source["url"] == "timescaledb:5432"
    data = source["jsonData"]
    assert (data["database"], data["timescaledb"], data["postgresVersion"]) == ("ioc", True, 1500)
    password = [name for name, _ in interpolations(source["secureJsonData"]["password"])]
    assert password == ["IOC_DB_PASSWORD_READER"]
    assert "IOC_DB_PASSWORD_READER" in environment("grafana")


def test_grafana_reads_the_compose_prometheus() -> None:
    source = grafana_datasources()["ioc-prometheus"]
    assert source["type"] == "prometheus"
    url = urlsplit(source["url"])
    assert (url.hostname, url.port) == ("prometheus", 9090)
    assert "prometheus" in services()


def test_grafana_mounts_its_provisioning_and_dashboards() -> None:
    provisioning = container_path("grafana", "./deploy/grafana/provisioning")
    assert provisioning == "/etc/grafana/provisioning"
    path = GRAFANA / "provisioning" / "dashboards" / "dashboards.yaml"
    providers = yaml.safe_load(path.read_text(encoding="utf-8"))["providers"]
    dashboards = container_path("grafana", "./deploy/grafana/dashboards")
    assert [p["options"]["path"] for p in providers] == [dashboards]
    # The mounted folder holds the dashboards generated from deploy/grafana/dashboards_src.
    assert {path.stem for path in (GRAFANA / "dashboards").glob("*.json")} >= {
        "overview",
        "targets",
        "pipeline",
    }


# --- the docker compose plugin, where it is installed --------------------------------------


def docker_compose_config(tmp_path: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    docker = shutil.which("docker")
    if docker is None:
        pytest.skip("the docker client is not installed")
    version = subprocess.run([docker, "compose", "version"], capture_output=True, timeout=60)
    if version.returncode != 0:
        pytest.skip("the docker compose plugin is not installed (`docker compose` is unknown)")
    env_file = tmp_path / "compose.env"
    env_file.write_text("".join(f"{key}={value}\n" for key, value in env.items()))
    command = [docker, "compose", "--project-directory", str(ROOT), "-f", str(COMPOSE_FILE)]
    command += ["--env-file", str(env_file), "config", "-q"]
    clean = {k: v for k, v in os.environ.items() if not k.startswith("IOC_")}
    run = subprocess.run(command, capture_output=True, text=True, timeout=120, env=clean)
    if "Cannot connect to the Docker daemon" in run.stderr:
        pytest.skip("docker compose needs a Docker engine here to read the file")
    return run


def test_docker_compose_accepts_the_file(tmp_path: Path) -> None:
    run = docker_compose_config(tmp_path, env_example())
    assert run.returncode == 0, run.stderr


def test_docker_compose_stops_when_a_secret_is_missing(tmp_path: Path) -> None:
    env = env_example()
    del env["IOC_DB_PASSWORD_WRITER"]
    run = docker_compose_config(tmp_path, env)
    assert run.returncode != 0
    assert "IOC_DB_PASSWORD_WRITER" in run.stderr


# --- every setting a service requires is given ------------------------------------------


def test_each_service_gets_every_setting_it_requires() -> None:
    from ioc_aggregator.config import AggregatorSettings
    from ioc_alerts.config import AlertsSettings
    from ioc_ingest.config import IngestSettings

    for service, settings in (
        ("ingest", IngestSettings),
        ("aggregator", AggregatorSettings),
        ("alerts", AlertsSettings),
    ):
        prefix = str(settings.model_config.get("env_prefix", ""))
        required = {
            f"{prefix}{name}".upper()
            for name, field in settings.model_fields.items()
            if field.is_required()
        }
        missing = required - set(environment(service))
        assert not missing, f"{service} would not start without {sorted(missing)}"
