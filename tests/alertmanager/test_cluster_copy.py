"""The cluster's Alertmanager is the shipped configuration, and amtool accepts it."""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml

from .cluster_copy import K8S_ALERTMANAGER, k8s_documents
from .support import ALERTMANAGER


def test_the_clusters_alertmanager_is_the_same_configuration() -> None:
    found = [d for d in yaml.safe_load_all(K8S_ALERTMANAGER.read_text(encoding="utf-8")) if d]
    assert found == k8s_documents(), (
        "stale: uv run python tests/alertmanager/cluster_copy.py --write-k8s"
    )


def test_amtool_accepts_the_clusters_configuration(amtool: str, tmp_path: Path) -> None:
    secret = k8s_documents()[1]
    path = tmp_path / "cluster.yml"
    config = yaml.safe_load(secret["stringData"]["alertmanager.yaml"])
    config["templates"] = [str(ALERTMANAGER / "*.tmpl")]
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    checked = subprocess.run(
        [amtool, "check-config", str(path)], capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
