"""What the local runner shows on the console: the demo mailbox and where to look."""

from __future__ import annotations

import json
import os

from local_config import LocalPorts
from local_process import HOME, LOGS, Child, say


def stream_mailbox(child: Child) -> None:
    """Shows each email of the demo mailbox as it arrives."""
    assert child.process is not None
    assert child.process.stdout is not None
    digests = 0
    for raw in child.process.stdout:
        try:
            message = json.loads(raw)
        except json.JSONDecodeError:
            continue
        subject = str(message["subject"])
        if subject.startswith(("[Tổng hợp]", "[Digest]")):
            # One per leader per simulated day: counted, not listed.
            digests += 1
            continue
        print(f"  ✉  {message['to']}: {subject}", flush=True)


def where_to_look(children: list[Child]) -> None:
    names = {child.name for child in children}
    ports = LocalPorts.from_env(os.environ)
    ingest, aggregator, alerts = ports.ingest, ports.aggregator, ports.alerts
    lines = [
        f"ingest       http://127.0.0.1:{ingest}  (API docs /docs, OpenAPI /openapi.json)",
        f"aggregator   http://127.0.0.1:{aggregator}/metrics",
        f"derived      http://127.0.0.1:{ports.derived}/metrics",
        f"alerts       http://127.0.0.1:{alerts}/metrics  (operators' API /docs)",
        f"mailbox      {HOME / 'mail'}  (the leaders' email, one .eml per message)",
        f"logs         {LOGS}  (JSON, one object per line)",
    ]
    if "prometheus" in names:
        lines.append(f"prometheus   http://127.0.0.1:{ports.prometheus}")
    else:
        lines.append("prometheus   not started (install Debian's prometheus package to have it)")
    if "alertmanager" in names:
        lines.append(
            f"alertmanager http://127.0.0.1:{ports.alertmanager}  (pipeline alerts to the duty desk)"
        )
    if "grafana" in names:
        lines.append(f"grafana      http://127.0.0.1:{ports.grafana}")
    else:
        lines.append(
            "grafana      not installed here; the dashboards are in deploy/grafana/dashboards"
        )
    say("IOC monitor is running. Where to look:")
    for line in lines:
        print(f"    {line}", flush=True)
    say("Press Ctrl-C to stop.")
