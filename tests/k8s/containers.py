"""What each container runs and is given: its settings classes, judged by its command, and
the IOC_* variables it reads and receives."""

from __future__ import annotations

import re
from collections.abc import Iterator

from pydantic_settings import BaseSettings

from ioc_messaging.settings import KafkaSettings

from .support import (
    EXPORTERS,
    INIT_SETTINGS,
    SERVICES,
    Resource,
    config_map_data,
    containers,
    env_values,
    workloads,
)


def variable_names(settings: type[BaseSettings]) -> set[str]:
    prefix = str(settings.model_config.get("env_prefix", ""))
    return {f"{prefix}{name}".upper() for name in settings.model_fields}


def required_names(settings: type[BaseSettings]) -> set[str]:
    prefix = str(settings.model_config.get("env_prefix", ""))
    return {
        f"{prefix}{name}".upper()
        for name, field in settings.model_fields.items()
        if field.is_required()
    }


def settings_of(container: Resource) -> tuple[type[BaseSettings], ...]:
    """The settings classes of what the container runs, judged by its command."""
    command = " ".join(container.get("command", []))
    for service, settings in SERVICES.items():
        if command == f"python -m ioc_{service}":
            # Kafka's security settings are read by KafkaSettings (IOC_KAFKA_*) at start.
            return (settings, KafkaSettings)
    for exporter, exporter_settings, _ in EXPORTERS.values():
        if command == exporter:
            return (exporter_settings, KafkaSettings)
    if "ioc-db" in command or "ioc-topics" in command:
        return INIT_SETTINGS
    if "KafkaSettings()" in command:  # a script, e.g. the init Job's wait for the topics
        return (KafkaSettings,)
    return ()


def known_names(container: Resource) -> set[str]:
    names = set().union(*(variable_names(s) for s in settings_of(container)))
    # A script's own variables, e.g. the init Job's wait for the topics.
    return names | set(re.findall(r"\bIOC_\w+", " ".join(container.get("command", []))))


def config_map_names(container: Resource) -> list[str]:
    return [e["configMapRef"]["name"] for e in container.get("envFrom", []) if "configMapRef" in e]


def given_names(container: Resource) -> set[str]:
    names = set(env_values(container))
    for config_map in config_map_names(container):
        names |= set(config_map_data(config_map))
    return names


def all_containers() -> Iterator[tuple[Resource, Resource]]:
    for workload in workloads():
        for container in containers(workload):
            yield workload, container
