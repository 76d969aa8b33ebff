"""Grafana's provisioning as compose mounts it: the read-only database role, the compose
Prometheus and the generated dashboards."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import yaml

from .support import GRAFANA, environment, interpolations, services


def grafana_datasources() -> dict[str, dict[str, Any]]:
    path = GRAFANA / "provisioning" / "datasources" / "datasources.yaml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {source["uid"]: source for source in document["datasources"]}


def container_path(service: str, source: str) -> str:
    for mount in services()[service]["volumes"]:
        parts = str(mount).split(":")
        if parts[0].rstrip("/") == source:
            return parts[1]
    raise AssertionError(f"{service} does not mount {source}")


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
