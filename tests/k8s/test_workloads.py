"""The Deployments: replicas, ports against probes and Services, selectors, disruption
budgets, images, hardened pods, and metrics that only monitoring reaches."""

from __future__ import annotations

from ioc_contracts.topics import SERIES_UPDATED

from .support import (
    DEPLOYED,
    EXPORTERS,
    SERVICES,
    Resource,
    containers,
    database,
    deployment,
    env_values,
    main_container,
    named,
    of_kind,
    pod_spec,
    resource_id,
    workloads,
)


def test_replicas_of_ingest_alerts_and_derived() -> None:
    assert deployment("ingest")["spec"]["replicas"] == 2
    assert deployment("alerts")["spec"]["replicas"] == 1
    # Idempotent work in one consumer group: at most one replica per updates partition.
    derived = deployment("derived")["spec"]["replicas"]
    assert 1 <= derived <= SERIES_UPDATED.partitions


def test_ports_match_the_settings_the_probes_and_the_services() -> None:
    for service, settings in DEPLOYED.items():
        container = main_container(service)
        port = container["ports"][0]
        assert port["name"] == "http", service
        assert port["containerPort"] == settings.model_fields["http_port"].default, service
        assert env_values(container)["IOC_HTTP_PORT"]["value"] == str(port["containerPort"])
        probes = {kind: container[kind]["httpGet"] for kind in ("livenessProbe", "readinessProbe")}
        assert probes["livenessProbe"]["path"] == "/healthz", service
        assert probes["readinessProbe"]["path"] == "/readyz", service
        assert container["startupProbe"]["httpGet"]["path"] == "/healthz", service
        for probe in [*probes.values(), container["startupProbe"]["httpGet"]]:
            assert probe["port"] in (port["name"], port["containerPort"]), service
        svc = named("Service", f"ioc-{service}")
        (service_port,) = svc["spec"]["ports"]
        assert service_port["port"] == port["containerPort"], service
        assert service_port["targetPort"] in (port["name"], port["containerPort"]), service


def test_selectors_match_the_pods() -> None:
    for service in DEPLOYED:
        workload = deployment(service)
        pod_labels = workload["spec"]["template"]["metadata"]["labels"]
        selector = workload["spec"]["selector"]["matchLabels"]
        assert selector.items() <= pod_labels.items(), service
        for kind in ("Service", "PodDisruptionBudget"):
            other = named(kind, f"ioc-{service}")
            chosen = other["spec"]["selector"].get("matchLabels", other["spec"]["selector"])
            assert chosen.items() <= pod_labels.items(), f"{kind} of {service}"


def test_disruption_budgets_never_block_a_node_drain() -> None:
    for service in DEPLOYED:
        budget = named("PodDisruptionBudget", f"ioc-{service}")["spec"]
        replicas = deployment(service)["spec"]["replicas"]
        allowed = (
            budget["maxUnavailable"]
            if "maxUnavailable" in budget
            else replicas - budget["minAvailable"]
        )
        assert allowed >= 1, service


def test_images_are_the_services_own_with_one_tag() -> None:
    tags = set()
    for service in SERVICES:
        name, tag = main_container(service)["image"].rsplit(":", 1)
        assert name == f"ioc-monitor/{service}"
        tags.add(tag)
    for exporter, (_, _, image) in EXPORTERS.items():
        name, tag = main_container(exporter)["image"].rsplit(":", 1)
        assert name == f"ioc-monitor/{image}", f"{exporter} runs from the {image} image"
        tags.add(tag)
    for container in containers(named("Job", "ioc-init")):
        name, tag = container["image"].rsplit(":", 1)
        assert name == "ioc-monitor/init", "ioc-db and ioc-topics live in the init image"
        tags.add(tag)
    assert len(tags) == 1, tags
    (retention,) = pod_spec(named("CronJob", "ioc-retention"))["containers"]
    assert retention["image"] == database()["spec"]["imageName"], "psql of the database's version"


def test_pods_run_as_non_root_with_read_only_root_and_bounded_resources() -> None:
    for workload in workloads():
        spec = pod_spec(workload)
        assert spec["securityContext"]["runAsNonRoot"] is True, resource_id(workload)
        assert spec["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
        assert spec["automountServiceAccountToken"] is False, resource_id(workload)
        for container in containers(workload):
            where = f"{resource_id(workload)}/{container['name']}"
            context = container["securityContext"]
            assert context["allowPrivilegeEscalation"] is False, where
            assert context["readOnlyRootFilesystem"] is True, where
            assert context["capabilities"]["drop"] == ["ALL"], where
            resources = container["resources"]
            assert {"cpu", "memory"} <= set(resources["requests"]), where
            assert "memory" in resources["limits"], where


def metrics_port(service: str) -> Resource:
    """The container port /metrics is served on: its own when IOC_METRICS_PORT is set."""
    container = main_container(service)
    ports = {port["name"]: port for port in container["ports"]}
    setting = env_values(container).get("IOC_METRICS_PORT")
    name = "http" if setting is None else "metrics"
    assert set(ports) == {"http", name}, service
    if setting is not None:
        assert ports["metrics"]["containerPort"] == int(setting["value"]), service
    found: Resource = ports[name]
    return found


def test_metrics_with_a_public_port_have_a_port_of_their_own() -> None:
    # Ingest and alerts answer agencies and leaders; their metrics (per-agency labels)
    # must not be on that port.
    for service in ("ingest", "alerts"):
        assert metrics_port(service)["name"] == "metrics", service


def test_network_policies_let_only_monitoring_reach_the_metrics() -> None:
    monitoring = {"kubernetes.io/metadata.name": "monitoring"}
    for service in DEPLOYED:
        (policy,) = [
            p
            for p in of_kind("NetworkPolicy")
            if p["spec"]["podSelector"]["matchLabels"]
            == {"app.kubernetes.io/name": f"ioc-{service}"}
        ]
        assert policy["spec"]["policyTypes"] == ["Ingress"], service
        metrics = metrics_port(service)["name"]
        for rule in policy["spec"]["ingress"]:
            ports = {entry["port"] for entry in rule["ports"]}
            if metrics in ports:
                (source,) = rule["from"]
                assert source == {"namespaceSelector": {"matchLabels": monitoring}}, service
        opened = {entry["port"] for rule in policy["spec"]["ingress"] for entry in rule["ports"]}
        assert metrics in opened, service
        public = named("Service", f"ioc-{service}")["spec"]["ports"]
        assert all(port["targetPort"] != "metrics" for port in public), service


def test_pod_monitors_scrape_every_service_under_its_job_name() -> None:
    jobs = set()
    for monitor in of_kind("PodMonitor"):
        selector = monitor["spec"]["selector"]["matchLabels"]
        (endpoint,) = monitor["spec"]["podMetricsEndpoints"]
        (relabel,) = endpoint["relabelings"]
        assert relabel["targetLabel"] == "job"
        job = relabel["replacement"]
        jobs.add(job)
        pods = deployment(job)["spec"]["template"]["metadata"]["labels"]
        assert selector.items() <= pods.items(), job
        assert endpoint["port"] == metrics_port(job)["name"], job
        assert endpoint["path"] == "/metrics"
    assert jobs == set(DEPLOYED)
