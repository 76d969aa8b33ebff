"""The lag exporter's arithmetic and metrics, without a broker."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import asdict

import pytest
from prometheus_client import CollectorRegistry

from ioc_messaging.acls import LAG_EXPORTER_PRINCIPAL, Operation, ResourceType, service_acls
from ioc_messaging.lag_exporter.arithmetic import (
    PartitionOffsets,
    Reading,
    StallClock,
    UnreadableGroup,
    records_behind,
)
from ioc_messaging.lag_exporter.metrics import LagMetrics
from ioc_messaging.lag_exporter.settings import (
    LagExporterSettings,
    WatchedGroup,
    pipeline_groups,
)


def offsets(
    *, committed: int | None, log_start: int = 0, log_end: int, partition: int = 0
) -> PartitionOffsets:
    return PartitionOffsets(
        service="aggregator",
        group="ioc-aggregator",
        topic="ioc.indicator-events",
        partition=partition,
        committed=committed,
        log_start=log_start,
        log_end=log_end,
    )


@pytest.mark.parametrize(
    ("committed", "log_start", "log_end", "behind"),
    [
        pytest.param(40, 0, 100, 60, id="committed part of the way"),
        pytest.param(100, 0, 100, 0, id="caught up"),
        pytest.param(None, 0, 100, 100, id="never committed: everything kept is ahead"),
        pytest.param(None, 30, 100, 70, id="never committed, retention deleted the first 30"),
        pytest.param(10, 30, 100, 70, id="retention overtook the committed offset"),
        pytest.param(None, 0, 0, 0, id="a partition that never held a record"),
        pytest.param(None, 50, 50, 0, id="every record deleted by retention"),
        pytest.param(120, 0, 100, 0, id="committed past the end: topic recreated"),
    ],
)
def test_records_behind(committed: int | None, log_start: int, log_end: int, behind: int) -> None:
    reading = offsets(committed=committed, log_start=log_start, log_end=log_end)
    assert records_behind(reading) == behind


def test_the_stall_clock_runs_only_while_records_wait_and_the_offset_stands_still() -> None:
    clock = StallClock()
    waiting = offsets(committed=40, log_end=100)
    assert clock.stalled_seconds(waiting, behind=60, now=1000.0) == 0.0
    assert clock.stalled_seconds(waiting, behind=60, now=1030.0) == 30.0
    # More records arrive, the group still stands: the clock keeps running.
    more = offsets(committed=40, log_end=500)
    assert clock.stalled_seconds(more, behind=460, now=1090.0) == 90.0
    # The group moves: a slow consumer is not a stalled one.
    moved = offsets(committed=41, log_end=500)
    assert clock.stalled_seconds(moved, behind=459, now=1100.0) == 0.0
    assert clock.stalled_seconds(moved, behind=459, now=1110.0) == 10.0
    # Caught up: nothing waits, nothing is stalled.
    done = offsets(committed=500, log_end=500)
    assert clock.stalled_seconds(done, behind=0, now=1200.0) == 0.0


def test_a_group_that_never_committed_stalls_from_its_first_sighting() -> None:
    clock = StallClock()
    never = offsets(committed=None, log_end=10)
    assert clock.stalled_seconds(never, behind=10, now=5.0) == 0.0
    assert clock.stalled_seconds(never, behind=10, now=65.0) == 60.0


def test_partitions_have_clocks_of_their_own() -> None:
    clock = StallClock()
    zero, one = offsets(committed=0, log_end=5), offsets(committed=0, log_end=5, partition=1)
    clock.stalled_seconds(zero, behind=5, now=0.0)
    assert clock.stalled_seconds(one, behind=5, now=50.0) == 0.0
    assert clock.stalled_seconds(zero, behind=5, now=50.0) == 50.0


def test_each_poll_replaces_the_figures_and_a_failed_poll_shows_none() -> None:
    registry = CollectorRegistry()
    metrics = LagMetrics.create(registry)
    clock = StallClock()
    labels = {
        "service": "aggregator",
        "group": "ioc-aggregator",
        "topic": "ioc.indicator-events",
    }
    forgotten = UnreadableGroup(
        service="replay", group="ioc-replay", topic="ioc.indicator-events", reason="not authorized"
    )
    unreadable = asdict(forgotten)
    metrics.show(
        Reading(
            [offsets(committed=None, log_end=7), offsets(committed=3, log_end=3, partition=1)],
            [forgotten],
        ),
        clock,
        now=0.0,
    )
    assert registry.get_sample_value("ioc_lag_exporter_unreadable_groups", unreadable) == 1
    assert registry.get_sample_value("ioc_consumer_group_lag", {**labels, "partition": "0"}) == 7
    assert registry.get_sample_value("ioc_consumer_group_lag", {**labels, "partition": "1"}) == 0
    metrics.show(Reading([offsets(committed=None, log_end=9)], []), clock, now=20.0)
    # Granted meanwhile: no longer shown as unreadable.
    assert registry.get_sample_value("ioc_lag_exporter_unreadable_groups", unreadable) is None
    assert registry.get_sample_value("ioc_consumer_group_lag", {**labels, "partition": "0"}) == 9
    assert registry.get_sample_value("ioc_consumer_group_lag", {**labels, "partition": "1"}) is None
    assert (
        registry.get_sample_value(
            "ioc_consumer_group_stalled_seconds", {**labels, "partition": "0"}
        )
        == 20.0
    )
    metrics.forget()
    assert registry.get_sample_value("ioc_consumer_group_lag", {**labels, "partition": "0"}) is None
    assert registry.get_sample_value("ioc_lag_exporter_polls_total", {"outcome": "ok"}) == 2
    assert registry.get_sample_value("ioc_lag_exporter_polls_total", {"outcome": "failed"}) == 1
    assert registry.get_sample_value("ioc_lag_exporter_build_info", {"version": "0.1.0"}) is None
    info = [s for m in registry.collect() for s in m.samples if s.name.endswith("build_info")]
    assert [s.name for s in info] == ["ioc_lag_exporter_build_info"]
    assert info[0].labels["version"] != "unknown"


def test_the_pipelines_groups_are_watched_by_default() -> None:
    watched = LagExporterSettings().lag_watched
    assert [(w.service, w.group, w.topic) for w in watched] == [
        ("aggregator", "ioc-aggregator", "ioc.indicator-events"),
        ("alerts", "ioc-alerts", "ioc.series-updated"),
        ("derived", "ioc-derived", "ioc.series-updated"),
    ]


def test_the_watched_groups_come_from_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IOC_LAG_WATCHED", '[{"service": "aggregator", "group": "g", "topic": "t"}]')
    assert LagExporterSettings().lag_watched == [
        WatchedGroup(service="aggregator", group="g", topic="t")
    ]


def test_help_reads_no_settings_and_starts_nothing() -> None:
    shown = subprocess.run(
        [sys.executable, "-m", "ioc_messaging.lag_exporter", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        # A broken setting would stop a start at once; --help must not even read it.
        env={"IOC_LAG_POLL_SECONDS": "not a number", "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert shown.returncode == 0, shown.stderr
    assert "IOC_LAG_WATCHED" in shown.stdout
    assert shown.stderr == ""


def test_the_exporters_kafka_user_only_describes_the_watched_topics_and_groups() -> None:
    rules = {
        (r.resource_type, r.resource_name, r.operation)
        for r in service_acls()[LAG_EXPORTER_PRINCIPAL]
    }
    watched = pipeline_groups()
    assert {op for _, _, op in rules} == {Operation.DESCRIBE}
    assert {n for t, n, _ in rules if t is ResourceType.TOPIC} == {w.topic for w in watched}
    assert {n for t, n, _ in rules if t is ResourceType.GROUP} == {w.group for w in watched}
