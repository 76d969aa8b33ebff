"""Alertmanager routes the pipeline alerts to the IOC duty desk.

Its configuration: valid for `amtool check-config` (Debian's prometheus-alertmanager),
every pipeline alert routed to the duty desk, inhibition naming only alerts that exist,
the cluster's copy alike, and the emails Vietnamese first. Then, connected, the alerts
reach the desk's mailbox through a real Prometheus and a real Alertmanager with the
shipped rules and routing: the rules' `for:` durations are shortened in the test's copy
of the rules (one rule at a time, the others keep theirs and so stay pending), and
Alertmanager's grouping waits in the test's copy of its configuration, so a
minute-scale alert arrives in seconds.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from ioc_testing.mail import MailServer
from ioc_testing.pipeline import ServiceProcess, free_port, wait_for

ROOT = Path(__file__).resolve().parents[1]
ALERTMANAGER = ROOT / "deploy" / "alertmanager"
CONFIG = ALERTMANAGER / "alertmanager.yml"
K8S_ALERTMANAGER = ROOT / "deploy" / "k8s" / "components" / "monitoring" / "alertmanager.yaml"
PIPELINE_RULES = ROOT / "deploy" / "prometheus" / "rules" / "pipeline.yml"
DUTY_DESK = "truc-ban@ioc.binhduong.example"


def local_config(*, smarthost: str | None = None, **route_timings: str) -> dict[str, Any]:
    """The shipped configuration with the templates read from the repository, and
    optionally another SMTP relay and faster grouping (for a test or the local runner)."""
    config: dict[str, Any] = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    config["templates"] = [str(ALERTMANAGER / "*.tmpl")]
    if smarthost is not None:
        config["global"]["smtp_smarthost"] = smarthost
    config["route"].update(route_timings)
    return config


def alerts_of_the_rules() -> dict[str, dict[str, Any]]:
    groups = yaml.safe_load(PIPELINE_RULES.read_text(encoding="utf-8"))["groups"]
    return {rule["alert"]: rule for group in groups for rule in group["rules"] if "alert" in rule}


@pytest.fixture
def amtool() -> str:
    binary = shutil.which("amtool")
    if binary is None:
        pytest.skip("amtool comes with Debian's prometheus-alertmanager package")
    return binary


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "alertmanager.yml"
    path.write_text(yaml.safe_dump(local_config(), allow_unicode=True), encoding="utf-8")
    return path


def test_amtool_accepts_the_configuration(amtool: str, config_file: Path) -> None:
    checked = subprocess.run(
        [amtool, "check-config", str(config_file)], capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "4 inhibit rules" in checked.stdout
    assert "1 templates" in checked.stdout


@pytest.mark.parametrize("alert", sorted(alerts_of_the_rules()))
def test_every_pipeline_alert_reaches_the_duty_desk(
    amtool: str, config_file: Path, alert: str
) -> None:
    severity = alerts_of_the_rules()[alert]["labels"]["severity"]
    routed = subprocess.run(
        [
            amtool,
            "config",
            "routes",
            "test",
            f"--config.file={config_file}",
            f"alertname={alert}",
            f"severity={severity}",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert routed.stdout.split() == ["ioc-duty-desk"], routed.stdout + routed.stderr
    [receiver] = local_config()["receivers"]
    assert [c["to"] for c in receiver["email_configs"]] == [DUTY_DESK]


def test_inhibition_names_only_alerts_of_the_rules() -> None:
    known = set(alerts_of_the_rules())
    named: set[str] = set()
    for rule in local_config()["inhibit_rules"]:
        for matcher in rule["source_matchers"] + rule["target_matchers"]:
            found = re.fullmatch(r'alertname=~?"([^"]+)"', matcher)
            if found:
                named.update(found.group(1).split("|"))
    assert named
    assert named <= known, named - known


def test_grouping_is_per_alert_and_resolved_messages_are_sent() -> None:
    config = local_config()
    assert config["route"]["group_by"] == ["alertname"]
    [receiver] = config["receivers"]
    assert all(c["send_resolved"] for c in receiver["email_configs"])


# On Kubernetes the Prometheus Operator runs Alertmanager: the configuration is a Secret
# (the relay's password is one), the templates a ConfigMap it mounts under configmaps/.
K8S_TEMPLATES = "ioc-alertmanager-templates"
K8S_GLOBAL = {
    "smtp_smarthost": "smtp.binhduong.example:587",
    "smtp_from": "ioc-giam-sat@binhduong.example",
    "smtp_auth_username": "ioc-giam-sat@binhduong.example",
    "smtp_auth_password": "change-me",
    "smtp_require_tls": True,
    "resolve_timeout": "5m",
}
_PART_OF = {"app.kubernetes.io/part-of": "ioc-monitor"}


def k8s_documents() -> list[dict[str, Any]]:
    config: dict[str, Any] = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    config["global"] = K8S_GLOBAL
    config["templates"] = [f"/etc/alertmanager/configmaps/{K8S_TEMPLATES}/*.tmpl"]
    return [
        {
            "apiVersion": "monitoring.coreos.com/v1",
            "kind": "Alertmanager",
            "metadata": {"name": "ioc", "labels": _PART_OF},
            "spec": {
                # Two replicas gossip, so a drained node loses no notification state.
                "replicas": 2,
                "configSecret": "ioc-alertmanager",
                "configMaps": [K8S_TEMPLATES],
                "resources": {
                    "requests": {"cpu": "20m", "memory": "64Mi"},
                    "limits": {"memory": "128Mi"},
                },
                "securityContext": {"runAsNonRoot": True, "runAsUser": 65534, "fsGroup": 65534},
            },
        },
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "ioc-alertmanager", "labels": _PART_OF},
            "type": "Opaque",
            "stringData": {
                "alertmanager.yaml": yaml.safe_dump(
                    config, allow_unicode=True, sort_keys=False, width=4096
                )
            },
        },
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": K8S_TEMPLATES, "labels": _PART_OF},
            "data": {"ioc.tmpl": (ALERTMANAGER / "ioc.tmpl").read_text(encoding="utf-8")},
        },
    ]


def write_k8s_alertmanager() -> None:
    header = (
        "# Alertmanager for the Prometheus Operator, routing the pipeline alerts to the IOC\n"
        "# duty desk: deploy/alertmanager/alertmanager.yml and ioc.tmpl with the province's\n"
        "# mail relay (replace the password). Point the cluster's Prometheus at it (see\n"
        "# docs/operations.md). tests/test_alertmanager.py fails when it is stale:\n"
        "#   uv run python tests/test_alertmanager.py --write-k8s\n"
    )
    body = yaml.safe_dump_all(k8s_documents(), allow_unicode=True, sort_keys=False, width=4096)
    K8S_ALERTMANAGER.write_text(header + body, encoding="utf-8")


def test_the_clusters_alertmanager_is_the_same_configuration() -> None:
    found = [d for d in yaml.safe_load_all(K8S_ALERTMANAGER.read_text(encoding="utf-8")) if d]
    assert found == k8s_documents(), "stale: uv run python tests/test_alertmanager.py --write-k8s"


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


def test_the_email_is_vietnamese_first_in_vietnam_time(amtool: str) -> None:
    rendered = subprocess.run(
        [
            amtool,
            "template",
            "render",
            f"--template.glob={ALERTMANAGER / '*.tmpl'}",
            '--template.text={{ template "ioc.subject" . }}\n{{ template "ioc.text" . }}',
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert rendered.returncode == 0, rendered.stderr
    text = rendered.stdout
    assert text.startswith("[IOC] ")
    assert text.index("Gửi Trực ban Trung tâm IOC") < text.index("----- English -----")
    assert "(giờ Việt Nam)" in text


# --- connected: a real Prometheus and Alertmanager -----------------------------------------

PROMETHEUS_LOCAL = PIPELINE_RULES.parents[1] / "prometheus.local.yml"
WITHIN = 90.0


@dataclass(frozen=True)
class Daemon:
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log_tail(self, lines: int = 20) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    async def wait_ready(self) -> None:
        async def ready() -> bool:
            assert self.process.poll() is None, f"exited:\n{self.log_tail()}"
            try:
                async with httpx.AsyncClient(timeout=2) as client:
                    return (await client.get(f"{self.url}/-/ready")).status_code == 200
            except httpx.TransportError:
                return False

        await wait_for(ready, within=WITHIN, what=f"{self.url} to be ready")


def _run(command: list[str], log_path: Path, port: int) -> Iterator[Daemon]:
    with log_path.open("ab") as log:
        process = subprocess.Popen(command, stdout=log, stderr=log)
    try:
        yield Daemon(f"http://127.0.0.1:{port}", process, log_path)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)


def _binary(*names: str) -> str:
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    pytest.skip(f"{names[0]} is not installed (Debian's {names[0]} package)")


@pytest.fixture
def alertmanager(mail_server: MailServer, tmp_path: Path) -> Iterator[Daemon]:
    """The shipped configuration, mailing the test's SMTP server, grouping in seconds."""
    binary = _binary("prometheus-alertmanager", "alertmanager")
    config = local_config(
        smarthost=f"127.0.0.1:{mail_server.port}",
        # Long enough for alerts posted together to be grouped on a busy machine.
        group_wait="5s",
        group_interval="1s",
    )
    path = tmp_path / "alertmanager.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    port = free_port()
    yield from _run(
        [
            binary,
            f"--config.file={path}",
            f"--storage.path={tmp_path / 'alertmanager'}",
            f"--web.listen-address=127.0.0.1:{port}",
            # One instance, and never the gossip port 9094 (the local Kafka's SASL port).
            "--cluster.listen-address=",
        ],
        tmp_path / "alertmanager.log",
        port,
    )


def rules_with_durations(durations: dict[str, str]) -> dict[str, Any]:
    """The shipped rules with some alerts' `for:` replaced."""
    rules: dict[str, Any] = yaml.safe_load(PIPELINE_RULES.read_text(encoding="utf-8"))
    found = set()
    for group in rules["groups"]:
        for rule in group["rules"]:
            if rule.get("alert") in durations:
                rule["for"] = durations[rule["alert"]]
                found.add(rule["alert"])
    assert found == set(durations), set(durations) - found
    return rules


def _mail_to_desk(mail_server: MailServer, subject_part: str) -> list[EmailMessage]:
    return [m for m in mail_server.mailbox.messages if subject_part in str(m["Subject"])]


def _text(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert isinstance(body, EmailMessage)
    return str(body.get_content())


@pytest.mark.connected
async def test_stopping_the_aggregator_mails_the_duty_desk(
    aggregator_process: ServiceProcess,
    alertmanager: Daemon,
    mail_server: MailServer,
    tmp_path: Path,
) -> None:
    binary = _binary("prometheus")
    aggregator_process.start()
    await asyncio.to_thread(aggregator_process.wait_ready)
    await alertmanager.wait_ready()

    rules_path = tmp_path / "rules.yml"
    rules = rules_with_durations({"IocServiceDown": "2s"})
    rules_path.write_text(yaml.safe_dump(rules, allow_unicode=True), encoding="utf-8")
    config: dict[str, Any] = yaml.safe_load(PROMETHEUS_LOCAL.read_text(encoding="utf-8"))
    config["global"].update(scrape_interval="1s", scrape_timeout="1s", evaluation_interval="1s")
    config["rule_files"] = [str(rules_path)]
    config["scrape_configs"] = [
        {
            "job_name": "aggregator",
            "static_configs": [{"targets": [aggregator_process.url.removeprefix("http://")]}],
        }
    ]
    target = alertmanager.url.removeprefix("http://")
    config["alerting"]["alertmanagers"] = [{"static_configs": [{"targets": [target]}]}]
    config_path = tmp_path / "prometheus.yml"
    config_path.write_text(yaml.safe_dump(config), encoding="utf-8")
    port = free_port()
    for prometheus in _run(
        [
            binary,
            f"--config.file={config_path}",
            f"--storage.tsdb.path={tmp_path / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        tmp_path / "prometheus.log",
        port,
    ):
        await prometheus.wait_ready()
        async with httpx.AsyncClient(base_url=prometheus.url, timeout=5) as api:

            async def aggregator_up() -> bool:
                answer = await api.get("/api/v1/query", params={"query": "up"})
                return [s["value"][1] for s in answer.json()["data"]["result"]] == ["1"]

            await wait_for(aggregator_up, within=WITHIN, what="Prometheus to scrape the aggregator")
            assert mail_server.mailbox.messages == []

            aggregator_process.stop()

            async def desk_told() -> bool:
                return bool(_mail_to_desk(mail_server, "Dịch vụ aggregator không phản hồi"))

            await wait_for(desk_told, within=WITHIN, what="the duty desk's email")

    [message] = _mail_to_desk(mail_server, "Dịch vụ aggregator không phản hồi")
    assert str(message["To"]) == DUTY_DESK
    assert str(message["Subject"]).startswith("[IOC] CẢNH BÁO: ")
    text = _text(message)
    assert "mức nghiêm trọng" in text
    assert text.index("Prometheus không lấy được số liệu của aggregator") < text.index(
        "Service aggregator is down"
    )
    assert "(giờ Việt Nam)" in text


@pytest.fixture
async def alertmanager_api(alertmanager: Daemon) -> AsyncIterator[httpx.AsyncClient]:
    await alertmanager.wait_ready()
    async with httpx.AsyncClient(base_url=alertmanager.url, timeout=5) as client:
        yield client


def _alert(name: str, **labels: str) -> dict[str, Any]:
    """An alert as Prometheus would send it for the shipped rule `name`."""
    [rule] = [
        r
        for group in rules_with_durations({})["groups"]
        for r in group["rules"]
        if r.get("alert") == name
    ]
    labels = {"alertname": name, **rule["labels"], **labels}

    def expand(text: str) -> str:
        return re.sub(r"\{\{ \$labels\.(\w+) \}\}", lambda m: labels.get(m[1], ""), text)

    return {
        "labels": labels,
        "annotations": {key: expand(value) for key, value in rule["annotations"].items()},
        "startsAt": (datetime.now(UTC) - timedelta(minutes=1)).isoformat(),
    }


@pytest.mark.connected
async def test_a_down_aggregator_inhibits_its_consequences_and_instances_are_grouped(
    alertmanager_api: httpx.AsyncClient, mail_server: MailServer
) -> None:
    sent = await alertmanager_api.post(
        "/api/v2/alerts",
        json=[
            _alert("IocServiceDown", job="aggregator", instance="aggregator-0:9102"),
            _alert("IocServiceDown", job="aggregator", instance="aggregator-1:9102"),
            _alert("IocAggregatorNotConsuming"),
        ],
    )
    assert sent.status_code == 200, sent.text

    async def judged() -> bool:
        alerts = (await alertmanager_api.get("/api/v2/alerts")).json()
        states = {a["labels"]["alertname"]: a["status"]["state"] for a in alerts}
        return states == {"IocServiceDown": "active", "IocAggregatorNotConsuming": "suppressed"}

    await wait_for(judged, within=WITHIN, what="the consequence to be inhibited")
    await wait_for(lambda: _has_mail(mail_server), within=WITHIN, what="the duty desk's email")
    # Grouping waits a second between messages of a group; give a stray one the time.
    await asyncio.sleep(3)
    subjects = [str(m["Subject"]) for m in mail_server.mailbox.messages]
    assert subjects == ["[IOC] CẢNH BÁO: Dịch vụ aggregator không phản hồi (+2 cảnh báo)"]
    text = _text(mail_server.mailbox.messages[0])
    assert text.count("Prometheus không lấy được số liệu của aggregator") == 2
    assert "Cổng tiếp nhận nhận sự kiện nhưng bộ tổng hợp không đọc" not in text


async def _has_mail(mail_server: MailServer) -> bool:
    return bool(mail_server.mailbox.messages)


if __name__ == "__main__":
    if sys.argv[1:] != ["--write-k8s"]:
        sys.exit(f"usage: {sys.argv[0]} --write-k8s")
    write_k8s_alertmanager()
