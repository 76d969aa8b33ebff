"""The manifests as a whole: every file in its kustomization, built-in kinds valid for
Kubernetes' own schemas (kubernetes-validate, offline, strict), unique names, the
generated files current, and the Bình Dương overlay rendered where kubectl is installed."""

from __future__ import annotations

import functools
import shutil
import subprocess
from pathlib import Path

import kubernetes_validate  # type: ignore[import-untyped]
import pytest
import yaml

from .generated import KAFKA_USERS, PROMETHEUS_RULE, kafka_users_documents, prometheus_rule_document
from .support import (
    BASE,
    BUILT_IN_API_VERSIONS,
    CUSTOM_KINDS,
    KUBERNETES_VERSION,
    MONITORING,
    OVERLAY,
    Resource,
    all_resources,
    built_in,
    containers,
    kustomization,
    load_all,
    of_kind,
    pod_spec,
    resource_id,
    workloads,
)


@pytest.mark.parametrize("folder", [BASE, MONITORING], ids=lambda f: f.name)
def test_every_manifest_file_is_in_its_kustomization(folder: Path) -> None:
    on_disk = {p.name for p in folder.glob("*.yaml")} - {"kustomization.yaml"}
    listed = set(kustomization(folder)["resources"])
    assert listed == on_disk


def test_every_kind_is_validated_one_way_or_the_other() -> None:
    for resource in all_resources():
        known = resource["apiVersion"] in BUILT_IN_API_VERSIONS
        known = known or (resource["apiVersion"], resource["kind"]) in CUSTOM_KINDS
        assert known, f"{resource_id(resource)}: {resource['apiVersion']} is checked by nothing"


@pytest.mark.parametrize("resource", built_in(all_resources()), ids=resource_id)
def test_built_in_kinds_match_the_kubernetes_schema(resource: Resource) -> None:
    try:
        kubernetes_validate.validate(resource, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.ValidationError as error:
        path = ".".join(str(part) for part in error.path)
        pytest.fail(f"{resource_id(resource)}: {path}: {error.message}")


def test_resource_names_are_unique_per_kind() -> None:
    ids = [resource_id(r) for r in all_resources()]
    assert len(ids) == len(set(ids))


def test_kafka_users_hold_the_acls_of_the_code() -> None:
    assert load_all(KAFKA_USERS) == kafka_users_documents(), (
        "stale: uv run python tests/k8s/generated.py --write-kafka-users"
    )


def test_prometheus_rule_is_a_copy_of_the_pipeline_rules() -> None:
    assert load_all(PROMETHEUS_RULE) == [prometheus_rule_document()], (
        "stale: uv run python tests/k8s/generated.py --write-prometheus-rule"
    )


@functools.cache
def rendered_overlay() -> tuple[Resource, ...]:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed: its built-in kustomize renders the overlay")
    run = subprocess.run(
        [kubectl, "kustomize", str(OVERLAY)], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    return tuple(doc for doc in yaml.safe_load_all(run.stdout) if doc)


def test_overlay_renders_the_base_and_the_monitors_in_one_namespace() -> None:
    rendered = rendered_overlay()
    assert sorted(map(resource_id, rendered)) == sorted(map(resource_id, all_resources()))
    for resource in rendered:
        if resource["kind"] != "Namespace":
            assert resource["metadata"]["namespace"] == "ioc-monitor", resource_id(resource)
    for resource in built_in(rendered):
        kubernetes_validate.validate(resource, KUBERNETES_VERSION, strict=True)


def test_overlay_takes_every_image_from_the_registry_with_consistent_tags() -> None:
    rendered = rendered_overlay()
    images = [c["image"] for w in workloads(rendered) for c in containers(w)]
    (cluster,) = of_kind("Cluster", rendered)
    images.append(cluster["spec"]["imageName"])
    registries = {image.split("/ioc-monitor/")[0] for image in images}
    assert len(registries) == 1, registries
    assert "/" not in next(iter(registries)), registries
    service_tags = {i.rsplit(":", 1)[1] for i in images if "timescaledb" not in i}
    assert len(service_tags) == 1, service_tags
    (cron,) = of_kind("CronJob", rendered)
    assert pod_spec(cron)["containers"][0]["image"] == cluster["spec"]["imageName"]
