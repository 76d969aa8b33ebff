"""Runs IOC monitor on this machine: the three services, the demo mailbox, Prometheus
and Grafana where installed, and the demo feed replaying Bình Dương's 2023.

Started by `./dev up` once Kafka and TimescaleDB are ready; reads the settings in
.local/ioc.env. Shows progress while it starts, prints where to look, streams the
demo mailbox, and stops everything it started on Ctrl-C.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from local_config import LocalPorts
from local_console import stream_mailbox, where_to_look
from local_monitoring import monitoring_children, watched_groups
from local_process import HOME, LOGS, Child, say

from ioc_runtime.env_file import read_env_file

DEMO_START = "2023-03-01T08:00:00+07:00"


def read_env(path: Path) -> dict[str, str]:
    if not path.exists():
        sys.exit(f"{path} is missing: run ./dev up, which writes it")
    return read_env_file(path)


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
            port=mail_port,
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
            {
                **base,
                "IOC_HTTP_PORT": str(ports.lag_exporter),
                # The caller's own list wins; otherwise the groups the services will use.
                "IOC_LAG_WATCHED": base.get("IOC_LAG_WATCHED") or watched_groups(base),
            },
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
    children += monitoring_children(
        with_prometheus=arguments.prometheus,
        with_grafana=arguments.grafana,
        base=base,
        settings=settings,
        ports=ports,
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
    # `./dev up` reads it to refuse a second system from this checkout before it starts.
    pid_file = HOME / "run-system.pid"
    pid_file.write_text(str(os.getpid()), encoding="utf-8")
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
        if pid_file.exists() and pid_file.read_text(encoding="utf-8") == str(os.getpid()):
            pid_file.unlink()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
