"""The alert service's /metrics follows Prometheus' conventions: process and GC metrics
beside its own, a build-info gauge, and delivery buckets past the longest send."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from ioc_alerts.config import AlertsSettings
from ioc_alerts.main import create_app
from ioc_runtime.service_metrics import buckets_covering


def _settings(**values: object) -> AlertsSettings:
    return AlertsSettings(
        database_url=SecretStr("postgresql://ioc_alerts@127.0.0.1/ioc"),  # never connected
        ack_secret=SecretStr("a-secret-of-sixteen-or-more"),
        api_token=SecretStr("a-token-of-sixteen-or-more"),
        **values,  # type: ignore[arg-type]
    )


def _exposition(
    settings: AlertsSettings, *, send_took: float | None = None
) -> dict[str, list[tuple[dict[str, str], float]]]:
    """/metrics of an app that never started (no lifespan: no database, no broker)."""
    app = create_app(settings, registry=CollectorRegistry())
    if send_took is not None:
        app.state.metrics.delivery_seconds.labels("email").observe(send_took)
    answer = TestClient(app).get("/metrics")
    assert answer.status_code == 200
    exposed: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(answer.text):
        for sample in family.samples:
            exposed.setdefault(sample.name, []).append((sample.labels, sample.value))
    return exposed


def test_process_gc_and_build_info_beside_the_services_own() -> None:
    exposed = _exposition(_settings())

    assert {"process_cpu_seconds_total", "process_resident_memory_bytes"} <= set(exposed)
    assert "python_gc_collections_total" in exposed
    assert "python_info" in exposed
    [(labels, value)] = exposed["ioc_alerts_build_info"]
    assert value == 1
    assert labels == {"version": "0.1.0", "revision": "unknown"}
    assert "ioc_alerts_evaluations_total" in exposed


@pytest.mark.parametrize(
    ("settings", "longest"),
    [
        ({}, 60.0),  # the send deadline bounds every send
        ({"alerts_send_deadline_seconds": 5.0, "smtp_host": "127.0.0.1"}, 20.0),  # SMTP's own
        ({"alerts_send_deadline_seconds": 300.0}, 300.0),
    ],
)
def test_delivery_buckets_reach_past_the_longest_a_send_may_take(
    settings: dict[str, object], longest: float
) -> None:
    configured = _settings(**settings)
    assert configured.longest_send_seconds() == longest

    # A send that ran into the limit: counted in a bucket of its own, not only in +Inf.
    exposed = _exposition(configured, send_took=longest + 0.01)

    counts = {
        labels["le"]: value for labels, value in exposed["ioc_alerts_delivery_seconds_bucket"]
    }
    finite = sorted(float(le) for le in counts if le != "+Inf")
    assert max(finite) > longest
    assert counts[_le(max(finite))] == 1
    assert all(counts[_le(le)] == 0 for le in finite if le <= longest)


def _le(bound: float) -> str:
    return str(bound)


def test_a_send_cut_off_at_its_deadline_lands_in_a_bucket_of_its_own() -> None:
    buckets = buckets_covering(60.0)
    assert 60.0 in buckets  # everything that finished within the deadline
    assert buckets[-1] > 60.0  # what ran into it, told apart from +Inf
    assert min(buckets) <= 0.1  # and a fast answer from a slow one
