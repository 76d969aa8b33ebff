"""Runs IOC monitor on this machine: the three services, the demo mailbox, Prometheus
and Grafana where installed, and the demo feed replaying Bình Dương's 2023.

Started by `./dev up` once Kafka and TimescaleDB are ready; reads the settings in
.local/ioc.env. Shows progress while it starts, prints where to look, streams the
demo mailbox, and stops everything it started on Ctrl-C.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from local_config import LocalPorts, alertmanager_config, grafana_provisioning, prometheus_config

from ioc_runtime.env_file import read_env_file

ROOT = Path(__file__).resolve().parents[2]
HOME = Path(os.environ.get("IOC_HOME", ROOT / ".local"))
LOGS = HOME / "log"
DEMO_START = "2023-03-01T08:00:00+07:00"


def say(message: str) -> None:
    print(f"\033[1;34m==>\033[0m {message}", flush=True)


def read_env(path: Path) -> dict[str, str]:
    if not path.exists():
        sys.exit(f"{path} is missing: run ./dev up, which writes it")
    return read_env_file(path)


@dataclass
class Child:
    name: str
    command: list[str]
    env: dict[str, str]
    ready_url: str | None = None
    log: Path | None = None
    stream: bool = False
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def start(self) -> None:
        output = (
            subprocess.PIPE if self.stream else (self.log or LOGS / f"{self.name}.log").open("ab")
        )
        self.process = subprocess.Popen(  # noqa: S603 - our own commands
            self.command,
            env=self.env,
            stdout=output,
            stderr=output if not self.stream else None,
            cwd=ROOT,
            # Its own session: Ctrl-C reaches this runner only, which then stops
            # the children in order instead of all at once.
            start_new_session=True,
        )

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def wait_ready(self, timeout: float = 90.0) -> None:
        if self.ready_url is None:
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                log = LOGS / f"{self.name}.log"
                tail = log.read_text(errors="replace").splitlines()[-15:] if log.exists() else []
                sys.exit(f"{self.name} stopped while starting:\n" + "\n".join(tail))
            try:
                with urllib.request.urlopen(self.ready_url, timeout=2) as answer:  # noqa: S310
                    if answer.status < 300:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.3)
        sys.exit(f"{self.name} was not ready after {timeout:.0f} s (log: {LOGS / self.name}.log)")

    def stop(self) -> None:
        if not self.alive():
            return
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def build(arguments: argparse.Namespace, settings: dict[str, str]) -> list[Child]:
    python = sys.executable
    base = {**os.environ, **settings, "IOC_ENV": "development"}
    base.pop("IOC_DATABASE_URL", None)  # each service gets its own role below
    ports = LocalPorts.from_env({**settings, **os.environ})
    ingest, aggregator, alerts, mail_port = (
        ports.ingest,
        ports.aggregator,
        ports.alerts,
        ports.mailbox,
    )
    anchor = str(time.time())
    children = [
        Child(
            "mailbox",
            [
                python,
                "deploy/local/mailbox.py",
                "--folder",
                str(HOME / "mail"),
                "--port",
                str(mail_port),
            ],
            base,
            stream=True,
        ),
        Child(
            "ingest",
            [python, "-m", "ioc_ingest"],
            {
                **base,
                "IOC_DATABASE_URL": settings["IOC_DATABASE_URL_INGEST"],
                "IOC_HTTP_PORT": str(ingest),
            },
            f"http://127.0.0.1:{ingest}/readyz",
        ),
        Child(
            "aggregator",
            [python, "-m", "ioc_aggregator"],
            {
                **base,
                "IOC_DATABASE_URL": settings["IOC_DATABASE_URL_WRITER"],
                "IOC_HTTP_PORT": str(aggregator),
            },
            f"http://127.0.0.1:{aggregator}/readyz",
        ),
        Child(
            "derived",
            [python, "-m", "ioc_derived"],
            {
                **base,
                "IOC_DATABASE_URL": settings["IOC_DATABASE_URL_DERIVED"],
                "IOC_HTTP_PORT": str(ports.derived),
            },
            f"http://127.0.0.1:{ports.derived}/readyz",
        ),
        Child(
            "lag-exporter",
            [python, "-m", "ioc_messaging.lag_exporter"],
            {**base, "IOC_HTTP_PORT": str(ports.lag_exporter)},
            f"http://127.0.0.1:{ports.lag_exporter}/readyz",
        ),
        Child(
            "alerts",
            [python, "-m", "ioc_alerts"],
            {
                **base,
                "IOC_DATABASE_URL": settings["IOC_DATABASE_URL_ALERTS"],
                "IOC_HTTP_PORT": str(alerts),
                "IOC_PUBLIC_BASE_URL": f"http://127.0.0.1:{alerts}",
                "IOC_SMTP_HOST": "127.0.0.1",
                "IOC_SMTP_PORT": str(mail_port),
                "IOC_SMTP_STARTTLS": "false",
                "IOC_GRAFANA_URL": f"http://127.0.0.1:{ports.grafana}",
                # The demo replays 2023: the alert service lives on the same timeline.
                "IOC_ALERTS_CLOCK_START": DEMO_START,
                "IOC_ALERTS_CLOCK_SPEED": str(arguments.speed),
                "IOC_ALERTS_CLOCK_ANCHOR": anchor,
                "IOC_ALERTS_EVALUATE_EVERY_SECONDS": "1",
                "IOC_ALERTS_DISPATCH_EVERY_SECONDS": "0.5",
                # Thirty simulated days between reminders, a few real seconds at demo speed.
                "IOC_ALERTS_REPEAT_EVERY_HOURS": "720",
            },
            f"http://127.0.0.1:{alerts}/readyz",
        ),
    ]
    prometheus_port = ports.prometheus
    if arguments.prometheus and shutil.which("prometheus"):
        # The shipped config with the ports IOC_*_PORT chose (deploy/local/local_config.py).
        local_config = prometheus_config(ports, HOME / "prometheus")
        children.append(
            Child(
                "prometheus",
                [
                    "prometheus",
                    f"--config.file={local_config}",
                    f"--storage.tsdb.path={HOME / 'prometheus'}",
                    f"--web.listen-address=127.0.0.1:{prometheus_port}",
                ],
                base,
                f"http://127.0.0.1:{prometheus_port}/-/ready",
            )
        )
    alertmanager = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
    if arguments.prometheus and alertmanager and "prometheus" in {c.name for c in children}:
        children.append(alertmanager_child(alertmanager, base, ports))
    grafana = shutil.which("grafana-server") or shutil.which("grafana")
    if arguments.grafana and grafana:
        grafana_port = ports.grafana
        provisioning = grafana_provisioning(ports, HOME / "grafana" / "provisioning")
        command = [grafana] if grafana.endswith("grafana-server") else [grafana, "server"]
        children.append(
            Child(
                "grafana",
                [*command, "--homepath", os.environ.get("GF_HOME", "/usr/share/grafana")],
                {
                    **base,
                    "GF_PATHS_PROVISIONING": str(provisioning),
                    "GF_PATHS_DATA": str(HOME / "grafana" / "data"),
                    "GF_PATHS_LOGS": str(LOGS),
                    "GF_SERVER_HTTP_ADDR": "127.0.0.1",
                    "GF_SERVER_HTTP_PORT": str(grafana_port),
                    "IOC_DB_PASSWORD_READER": settings["IOC_DB_PASSWORD_READER"],
                },
                f"http://127.0.0.1:{grafana_port}/api/health",
            )
        )
    if arguments.demo:
        children.append(
            Child(
                "demo-feed",
                [
                    python,
                    "deploy/demo/feed.py",
                    "--ingest-url",
                    f"http://127.0.0.1:{ingest}",
                    "--start",
                    DEMO_START,
                    "--speed",
                    str(arguments.speed),
                    "--anchor",
                    anchor,
                ],
                base,
            )
        )
    return children


def alertmanager_child(binary: str, env: dict[str, str], ports: LocalPorts) -> Child:
    """Alertmanager on its local port (where the local Prometheus sends alerts), mailing
    the pipeline alerts to the duty desk in the demo mailbox."""
    folder = HOME / "alertmanager"
    config = alertmanager_config(ports, folder)
    return Child(
        "alertmanager",
        [
            binary,
            f"--config.file={config}",
            f"--storage.path={folder / 'data'}",
            f"--web.listen-address=127.0.0.1:{ports.alertmanager}",
            # One instance, and never the gossip port 9094 (Kafka's SASL listener here).
            "--cluster.listen-address=",
        ],
        env,
        f"http://127.0.0.1:{ports.alertmanager}/-/ready",
    )


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


@dataclass
class Flag:
    raised: bool = False


def main() -> int:
    """0 after Ctrl-C; 1 when a child failed to start or stopped by itself."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--speed",
        type=float,
        default=43_200,
        help="demo seconds per real second (default: half a day a second)",
    )
    parser.add_argument("--no-demo", dest="demo", action="store_false", help="no demo feed")
    parser.add_argument("--no-prometheus", dest="prometheus", action="store_false")
    parser.add_argument("--no-grafana", dest="grafana", action="store_false")
    arguments = parser.parse_args()
    LOGS.mkdir(parents=True, exist_ok=True)
    # The environment wins over the file, so a caller can point the system elsewhere.
    settings = {
        **read_env(HOME / "ioc.env"),
        **{key: value for key, value in os.environ.items() if key.startswith("IOC_")},
    }
    children = build(arguments, settings)
    # A plain flag: a signal handler must not take locks (threading.Event does, and
    # a signal arriving while the main thread waits on it deadlocks).
    stopping = Flag()

    def request_stop(signum: int, frame: object) -> None:
        stopping.raised = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    failed = False
    try:
        for child in children:
            say(f"starting {child.name}")
            child.start()
            if child.stream:
                threading.Thread(target=stream_mailbox, args=(child,), daemon=True).start()
            child.wait_ready()
            if stopping.raised:
                break
        if not stopping.raised:
            where_to_look(children)
        while not stopping.raised:
            time.sleep(0.5)
            for child in children:
                if child.name != "demo-feed" and child.process is not None and not child.alive():
                    say(f"{child.name} stopped unexpectedly (log: {LOGS / child.name}.log)")
                    stopping.raised = failed = True
    finally:
        say("stopping the services")
        for child in reversed(children):
            child.stop()
        say("stopped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
