"""Alertmanager's configuration routes the pipeline alerts to the IOC duty desk.

Valid for `amtool check-config` (Debian's prometheus-alertmanager), every pipeline alert
routed to the duty desk, a service's alerts grouped into one message, inhibition naming
only alerts that exist and never the lag measured at the broker, and the emails
Vietnamese first.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from .support import ALERTMANAGER, DUTY_DESK, alerts_of_the_rules, local_config

# Measured at the broker, these outlive the consumer they are about: they say how much
# waits while it is down, so no outage may silence them.
BROKER_MEASURED = {"IocConsumerLagGrowing", "IocConsumerStalled"}


def test_amtool_accepts_the_configuration(amtool: str, config_file: Path) -> None:
    checked = subprocess.run(
        [amtool, "check-config", str(config_file)], capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "4 inhibit rules" in checked.stdout
    assert "1 templates" in checked.stdout


def _routed(amtool: str, config_file: Path, **labels: str) -> list[str]:
    routed = subprocess.run(
        [
            amtool,
            "config",
            "routes",
            "test",
            f"--config.file={config_file}",
            *(f"{name}={value}" for name, value in labels.items()),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert routed.returncode == 0, routed.stdout + routed.stderr
    return routed.stdout.split()


@pytest.mark.parametrize("alert", sorted(alerts_of_the_rules()))
def test_every_pipeline_alert_reaches_the_duty_desk(
    amtool: str, config_file: Path, alert: str
) -> None:
    severity = alerts_of_the_rules()[alert]["labels"]["severity"]
    assert _routed(amtool, config_file, alertname=alert, severity=severity) == ["ioc-duty-desk"]
    assert _routed(
        amtool, config_file, alertname=alert, severity=severity, service="aggregator"
    ) == ["ioc-duty-desk"]
    [receiver] = local_config()["receivers"]
    assert [c["to"] for c in receiver["email_configs"]] == [DUTY_DESK]


def test_inhibition_names_only_alerts_of_the_rules_and_never_the_broker_measured_lag() -> None:
    known = set(alerts_of_the_rules())
    assert known >= BROKER_MEASURED
    named: set[str] = set()
    targets: set[str] = set()
    for rule in local_config()["inhibit_rules"]:
        for side in ("source_matchers", "target_matchers"):
            for matcher in rule[side]:
                found = re.fullmatch(r'alertname=~?"([^"]+)"', matcher)
                if found:
                    names = set(found.group(1).split("|"))
                    named |= names
                    if side == "target_matchers":
                        targets |= names
    assert named
    assert named <= known, named - known
    assert not targets & BROKER_MEASURED, "an outage would silence the measure of its damage"


def test_a_services_alerts_share_one_message_and_others_one_per_alert() -> None:
    route = local_config()["route"]
    assert route["group_by"] == ["alertname"]
    first = route["routes"][0]
    assert first["matchers"] == ['service=~".+"']
    assert first["group_by"] == ["service"]
    assert "continue" not in first
    # Every alert about a consumer's lag names its service, so it joins that message.
    for name in BROKER_MEASURED:
        assert "service" in alerts_of_the_rules()[name]["expr"], name
    [receiver] = local_config()["receivers"]
    assert all(c["send_resolved"] for c in receiver["email_configs"])


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
