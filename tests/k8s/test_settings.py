"""The IOC_* variables against the settings classes, the database roles, and every Secret
and ConfigMap a container reads."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

from ioc_storage.settings import BootstrapSettings

from .containers import (
    all_containers,
    config_map_names,
    given_names,
    known_names,
    required_names,
    settings_of,
)
from .generated import EXAMPLE_AGENCIES
from .support import (
    DATABASE_ROLES,
    GENERATED_SECRETS,
    PLACEHOLDER,
    SERVICES,
    Resource,
    database,
    env_values,
    main_container,
    named,
    of_kind,
    pod_spec,
    resource_id,
    secret_data,
    workloads,
)


def test_each_container_is_given_only_variables_it_reads() -> None:
    for workload, container in all_containers():
        unread = {n for n in env_values(container) if n.startswith("IOC_")} - known_names(container)
        assert unread == set(), f"{resource_id(workload)}/{container['name']} never reads {unread}"


def test_every_config_map_setting_is_read_by_a_container_it_reaches() -> None:
    # Alertmanager's templates are mounted by the Prometheus Operator, read by no service.
    mounted = {m for a in of_kind("Alertmanager") for m in a["spec"].get("configMaps", [])}
    for config_map in of_kind("ConfigMap"):
        name = config_map["metadata"]["name"]
        if name in mounted:
            continue
        readers = [c for _, c in all_containers() if name in config_map_names(c)]
        assert readers, f"ConfigMap {name} reaches no container"
        for key in config_map["data"]:
            assert any(key in known_names(c) for c in readers), f"{name}: nobody reads {key}"


def test_each_service_is_given_every_setting_it_requires() -> None:
    for workload, container in all_containers():
        required = set().union(*(required_names(s) for s in settings_of(container)))
        missing = required - given_names(container)
        assert missing == set(), f"{resource_id(workload)}/{container['name']} lacks {missing}"


def test_kubernetes_adds_no_variables_of_its_own() -> None:
    # Service links would add e.g. IOC_ALERTS_PORT=tcp://... to every pod, and the
    # settings read every IOC_* variable.
    for workload in workloads():
        assert pod_spec(workload)["enableServiceLinks"] is False, resource_id(workload)


def database_url(container: Resource) -> str:
    value: str = env_values(container)["IOC_DATABASE_URL"]["value"]
    return value


def test_each_service_connects_as_its_own_role_to_the_cluster_primary() -> None:
    init = named("Job", "ioc-init")
    (init_container,) = pod_spec(init)["containers"]
    connections = {service: database_url(main_container(service)) for service in SERVICES}
    connections["init"] = database_url(init_container)
    primary = f"{database()['metadata']['name']}-rw"
    for service, url in connections.items():
        parts = urlsplit(url)
        assert parts.username == DATABASE_ROLES[service], service
        assert (parts.hostname, parts.port, parts.path) == (primary, 5432, "/ioc"), service
        # The password is the role's own, from the Secret whose username is that role.
        variable = re.fullmatch(r"\$\((\w+)\)", parts.password or "")
        assert variable, f"{service}: the password is not taken from a Secret"
        container = init_container if service == "init" else main_container(service)
        reference = env_values(container)[variable[1]]["valueFrom"]["secretKeyRef"]
        assert secret_data(reference["name"])["username"] == DATABASE_ROLES[service], service


def referenced(kind_key: str) -> Iterator[tuple[str, str]]:
    """(workload/container, name) of every Secret or ConfigMap a container reads."""
    for workload, container in all_containers():
        where = f"{resource_id(workload)}/{container['name']}"
        for entry in container.get("env", []):
            reference = entry.get("valueFrom", {}).get(kind_key)
            if reference:
                yield where, reference["name"]
        for entry in container.get("envFrom", []):
            reference = entry.get(kind_key.replace("KeyRef", "Ref"))
            if reference:
                yield where, reference["name"]


def generated_secrets() -> set[str]:
    return GENERATED_SECRETS | {user["metadata"]["name"] for user in of_kind("KafkaUser")}


def secret_volumes() -> Iterator[tuple[str, str]]:
    for workload in workloads():
        for volume in pod_spec(workload).get("volumes", []):
            if "secret" in volume:
                yield resource_id(workload), volume["secret"]["secretName"]


def test_every_secret_and_config_map_a_container_reads_exists() -> None:
    secrets = {r["metadata"]["name"] for r in of_kind("Secret")} | generated_secrets()
    config_maps = {r["metadata"]["name"] for r in of_kind("ConfigMap")}
    for where, name in [*referenced("secretKeyRef"), *secret_volumes()]:
        assert name in secrets, f"{where}: no Secret {name}"
    for where, name in referenced("configMapKeyRef"):
        assert name in config_maps, f"{where}: no ConfigMap {name}"


def test_secret_templates_hold_placeholders_only() -> None:
    for secret in of_kind("Secret"):
        for key, value in secret["stringData"].items():
            if key != "username":
                assert PLACEHOLDER in value, (
                    f"{resource_id(secret)}: {key} looks like a real secret"
                )


def test_the_init_jobs_scripts_are_valid() -> None:
    init = named("Job", "ioc-init")
    (wait,) = pod_spec(init)["initContainers"]
    assert wait["command"][:2] == ["python", "-c"]
    compile(wait["command"][2], "wait-for-topics", "exec")
    (main,) = pod_spec(init)["containers"]
    script = main["command"][-1]
    assert [line.strip() for line in script.splitlines()][-6:] == [
        "ioc-db bootstrap",
        "ioc-db migrate",
        "ioc-db load-catalog",
        "ioc-topics create",
        "ioc-topics check",  # fails the Job when a topic drifted from the contract
        # ... or a KafkaUser's ACLs from the code (the User Operator applies them)
        "ioc-topics acls --check " + " ".join(f"--agency {code}" for code in EXAMPLE_AGENCIES),
    ]
    for variable in sorted(required_names(BootstrapSettings)):
        if variable.startswith("IOC_DB_PASSWORD_"):
            assert f'"${variable}"' in script, f"placeholder check misses {variable}"


def test_retention_calls_the_storage_function_as_its_owner() -> None:
    cron = named("CronJob", "ioc-retention")
    (container,) = pod_spec(cron)["containers"]
    assert "ioc.drop_observations_older_than(" in " ".join(container["command"])
    assert "ioc.drop_refusals_older_than(interval '30 days')" in " ".join(container["command"])
    user = env_values(container)["PGUSER"]["valueFrom"]["secretKeyRef"]
    assert secret_data(user["name"])["username"] == "ioc_migrator"
    assert cron["spec"]["concurrencyPolicy"] == "Forbid"
