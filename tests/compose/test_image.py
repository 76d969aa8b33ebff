"""deploy/docker/Dockerfile and .dockerignore: one recipe for every image, built from the
repository root, installing exactly one workspace package's locked dependencies."""

from __future__ import annotations

import re
import tomllib

import pytest

from .support import (
    DOCKERFILE,
    HTTP_PORTS,
    INIT_STEPS,
    ROOT,
    SERVICE_PORTS,
    compose_builds,
    dockerfile,
    environment,
    global_args,
    services,
    stage_instructions,
    stage_parents,
    workspace_projects,
)


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
