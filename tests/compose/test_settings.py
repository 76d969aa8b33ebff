"""compose.yaml's settings: every variable documented in env.example, secrets required
and only placeholders shipped, each service its own database role and every setting it
needs; the `docker compose` plugin validates the file where it is installed (no engine)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from .support import (
    COMPOSE_FILE,
    DATABASE_ROLES,
    ROLE_PASSWORD_VARIABLES,
    ROOT,
    compose,
    env_example,
    environment,
    interpolations,
    resolve,
    services,
    strings,
)


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


def test_docker_compose_accepts_the_file(tmp_path: Path) -> None:
    run = docker_compose_config(tmp_path, env_example())
    assert run.returncode == 0, run.stderr


def test_docker_compose_stops_when_a_secret_is_missing(tmp_path: Path) -> None:
    env = env_example()
    del env["IOC_DB_PASSWORD_WRITER"]
    run = docker_compose_config(tmp_path, env)
    assert run.returncode != 0
    assert "IOC_DB_PASSWORD_WRITER" in run.stderr


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
