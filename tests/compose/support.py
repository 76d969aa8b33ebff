"""The Docker deployment, checked without a Docker engine: what the tests of tests/compose
share.

compose.yaml, deploy/docker/Dockerfile, .dockerignore, env.example and Grafana's
provisioning are parsed and checked against each other and against the workspace.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]


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


def workspace_projects() -> dict[str, dict[str, Any]]:
    projects = {}
    for path in [*ROOT.glob("libs/*/pyproject.toml"), *ROOT.glob("services/*/pyproject.toml")]:
        project: dict[str, Any] = tomllib.loads(path.read_text())["project"]
        projects[project["name"]] = project
    return projects
