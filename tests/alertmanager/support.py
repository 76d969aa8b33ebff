"""What the Alertmanager tests share: the shipped configuration and rules as the tests
rewrite them, and Prometheus and Alertmanager run as real processes (Debian's packages)."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from ioc_testing.mail import MailServer
from ioc_testing.pipeline import free_port, wait_for

ROOT = Path(__file__).resolve().parents[2]
ALERTMANAGER = ROOT / "deploy" / "alertmanager"
CONFIG = ALERTMANAGER / "alertmanager.yml"
PIPELINE_RULES = ROOT / "deploy" / "prometheus" / "rules" / "pipeline.yml"
PROMETHEUS_LOCAL = PIPELINE_RULES.parents[1] / "prometheus.local.yml"
DUTY_DESK = "truc-ban@ioc.binhduong.example"
WITHIN = 90.0


def local_config(*, smarthost: str | None = None, **route_timings: str) -> dict[str, Any]:
    """The shipped configuration with the templates read from the repository, and
    optionally another SMTP relay and faster grouping (for a test or the local runner)."""
    config: dict[str, Any] = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    config["templates"] = [str(ALERTMANAGER / "*.tmpl")]
    if smarthost is not None:
        config["global"]["smtp_smarthost"] = smarthost
    # The routes below the top inherit these timings.
    config["route"].update(route_timings)
    return config


def alerts_of_the_rules() -> dict[str, dict[str, Any]]:
    groups = yaml.safe_load(PIPELINE_RULES.read_text(encoding="utf-8"))["groups"]
    return {rule["alert"]: rule for group in groups for rule in group["rules"] if "alert" in rule}


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


def alert(name: str, **labels: str) -> dict[str, Any]:
    """An alert as Prometheus would send it for the shipped rule `name`."""
    rule = alerts_of_the_rules()[name]
    labels = {"alertname": name, **rule["labels"], **labels}

    def expand(text: str) -> str:
        return re.sub(r"\{\{ \$labels\.(\w+) \}\}", lambda m: labels.get(m[1], ""), text)

    return {
        "labels": labels,
        "annotations": {key: expand(value) for key, value in rule["annotations"].items()},
        "startsAt": (datetime.now(UTC) - timedelta(minutes=1)).isoformat(),
    }


def mail_to_desk(mail_server: MailServer, subject_part: str) -> list[EmailMessage]:
    return [m for m in mail_server.mailbox.messages if subject_part in str(m["Subject"])]


def text_of(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert isinstance(body, EmailMessage)
    return str(body.get_content())


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


def run_daemon(command: list[str], log_path: Path, port: int) -> Iterator[Daemon]:
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


def binary(*names: str) -> str:
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    pytest.skip(f"{names[0]} is not installed (Debian's {names[0]} package)")


def prometheus(
    folder: Path, *, jobs: dict[str, str], rules: dict[str, Any], alertmanager: Daemon
) -> Iterator[Daemon]:
    """prometheus.local.yml scraping `jobs` (job name → host:port) every second, with
    `rules`, sending alerts to `alertmanager`."""
    rules_path = folder / "rules.yml"
    rules_path.write_text(yaml.safe_dump(rules, allow_unicode=True), encoding="utf-8")
    config: dict[str, Any] = yaml.safe_load(PROMETHEUS_LOCAL.read_text(encoding="utf-8"))
    config["global"].update(scrape_interval="1s", scrape_timeout="1s", evaluation_interval="1s")
    config["rule_files"] = [str(rules_path)]
    config["scrape_configs"] = [
        {"job_name": job, "static_configs": [{"targets": [target]}]} for job, target in jobs.items()
    ]
    target = alertmanager.url.removeprefix("http://")
    config["alerting"]["alertmanagers"] = [{"static_configs": [{"targets": [target]}]}]
    config_path = folder / "prometheus.yml"
    config_path.write_text(yaml.safe_dump(config), encoding="utf-8")
    port = free_port()
    yield from run_daemon(
        [
            binary("prometheus"),
            f"--config.file={config_path}",
            f"--storage.tsdb.path={folder / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        folder / "prometheus.log",
        port,
    )
