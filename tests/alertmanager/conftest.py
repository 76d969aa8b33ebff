"""Alertmanager with the shipped configuration, and its configuration file for amtool."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from ioc_testing.mail import MailServer
from ioc_testing.pipeline import free_port

from .support import Daemon, binary, local_config, run_daemon


@pytest.fixture
def amtool() -> str:
    found = shutil.which("amtool")
    if found is None:
        pytest.skip("amtool comes with Debian's prometheus-alertmanager package")
    return found


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "alertmanager.yml"
    path.write_text(yaml.safe_dump(local_config(), allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture
def alertmanager(mail_server: MailServer, tmp_path: Path) -> Iterator[Daemon]:
    """The shipped configuration, mailing the test's SMTP server, grouping in seconds."""
    config = local_config(
        smarthost=f"127.0.0.1:{mail_server.port}",
        # Long enough for alerts posted together to be grouped on a busy machine.
        group_wait="5s",
        group_interval="1s",
    )
    path = tmp_path / "alertmanager.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    port = free_port()
    yield from run_daemon(
        [
            binary("prometheus-alertmanager", "alertmanager"),
            f"--config.file={path}",
            f"--storage.path={tmp_path / 'alertmanager'}",
            f"--web.listen-address=127.0.0.1:{port}",
            # One instance, and never the gossip port 9094 (the local Kafka's SASL port).
            "--cluster.listen-address=",
        ],
        tmp_path / "alertmanager.log",
        port,
    )


@pytest.fixture
async def alertmanager_api(alertmanager: Daemon) -> AsyncIterator[httpx.AsyncClient]:
    await alertmanager.wait_ready()
    async with httpx.AsyncClient(base_url=alertmanager.url, timeout=5) as client:
        yield client
