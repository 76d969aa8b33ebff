"""The one-command system: starts, says where to look, raises the demo's alerts, and
stops everything it started on Ctrl-C."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from email.parser import BytesParser
from email.policy import default
from pathlib import Path

import pytest

from ioc_testing import ScratchDatabase
from ioc_testing.pipeline import PipelineTopics, free_port

pytestmark = pytest.mark.connected

ROOT = Path(__file__).resolve().parents[1]


def _port_open(port: int) -> bool:
    import socket

    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _mailed(output: str, address: str, subject: str) -> bool:
    """Whether the runner showed a message to `address` whose subject starts `subject`."""
    return any(
        address in line and f": {subject}" in line for line in output.splitlines() if "✉" in line
    )


def test_the_system_runs_the_demo_and_stops_on_ctrl_c(
    catalog_database: ScratchDatabase,
    pipeline_topics: PipelineTopics,
    unique_name: str,
    tmp_path: Path,
) -> None:
    shutil.copy(ROOT / ".local" / "ioc.env", tmp_path / "ioc.env")
    ports = {
        "IOC_INGEST_PORT": free_port(),
        "IOC_AGGREGATOR_PORT": free_port(),
        "IOC_ALERTS_PORT": free_port(),
        "IOC_DERIVED_PORT": free_port(),
        "IOC_LAG_EXPORTER_PORT": free_port(),
        "IOC_MAILBOX_PORT": free_port(),
    }
    env = {
        **os.environ,
        "IOC_HOME": str(tmp_path),
        **{key: str(value) for key, value in ports.items()},
        **{f"IOC_DATABASE_URL_{role.upper()}": dsn for role, dsn in catalog_database.dsns.items()},
        "IOC_INGEST_TOPIC": pipeline_topics.events,
        "IOC_AGGREGATOR_SOURCE_TOPIC": pipeline_topics.events,
        "IOC_AGGREGATOR_DLQ_TOPIC": pipeline_topics.dead_letters,
        "IOC_AGGREGATOR_UPDATES_TOPIC": pipeline_topics.updates,
        "IOC_AGGREGATOR_GROUP_ID": f"{unique_name}.aggregator",
        "IOC_ALERTS_UPDATES_TOPIC": pipeline_topics.updates,
        "IOC_ALERTS_TOPIC": pipeline_topics.alerts,
        "IOC_ALERTS_GROUP_ID": f"{unique_name}.alerts",
    }
    log = (tmp_path / "system.out").open("w+b")
    runner = subprocess.Popen(
        [
            sys.executable,
            "deploy/local/run_system.py",
            "--no-prometheus",
            "--no-grafana",
            "--speed",
            "200000",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 180
        output = ""
        while time.monotonic() < deadline:
            output = (tmp_path / "system.out").read_text(errors="replace")
            told = "Where to look" in output
            lagging = (
                "Sở Tài nguyên và Môi trường hoàn thành bộ dữ liệu số trước 30/6/2023" in output
            )
            # The reporting calendar at work: a data officer reminded, a director told.
            reminded = _mailed(output, "so-lieu@stnmt.binhduong.example", "[IOC] Nhắc hạn báo cáo")
            escalated = _mailed(output, "giam-doc@stnmt.binhduong.example", "[IOC] Chuyển cấp")
            overdue = any(
                subject.startswith("[IOC] Quá hạn báo cáo: ")
                for subject in _subjects(tmp_path / "mail")
            )
            if told and lagging and reminded and escalated and overdue:
                break
            assert runner.poll() is None, output
            time.sleep(0.5)
        assert "Where to look" in output
        assert f"http://127.0.0.1:{ports['IOC_INGEST_PORT']}" in output
        assert "[Cảnh báo · khẩn cấp]" in output
        assert "Sở Tài nguyên và Môi trường hoàn thành bộ dữ liệu số trước 30/6/2023" in output
        assert list((tmp_path / "mail").glob("*.eml"))
        assert _mailed(output, "so-lieu@stnmt.binhduong.example", "[IOC] Nhắc hạn báo cáo")
        assert _mailed(
            output, "giam-doc@stnmt.binhduong.example", "[IOC] Chuyển cấp – quá hạn báo cáo"
        )
        subjects = _subjects(tmp_path / "mail")
        assert any(subject.startswith("[IOC] Quá hạn báo cáo: ") for subject in subjects)
        runner.send_signal(signal.SIGINT)
        assert runner.wait(timeout=60) == 0
        output = (tmp_path / "system.out").read_text(errors="replace")
        assert "stopped" in output
        for port in ports.values():
            assert not _port_open(port), f"something still listens on {port}"
    finally:
        if runner.poll() is None:
            # Ctrl-C first: the runner stops its services; SIGKILL would orphan them.
            runner.send_signal(signal.SIGINT)
            try:
                runner.wait(timeout=60)
            except subprocess.TimeoutExpired:
                runner.kill()
        log.close()


def _subjects(mailbox: Path) -> list[str]:
    """The subjects of the mails the demo mailbox has written so far."""
    subjects = []
    for path in mailbox.glob("*.eml"):
        with path.open("rb") as file:
            subjects.append(str(BytesParser(policy=default).parse(file)["Subject"]))
    return subjects
