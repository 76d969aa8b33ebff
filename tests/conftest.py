"""Fixtures of the whole-system tests: the test's alert service, made on its database,
topics and names, and killed when the test ends."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ioc_testing import ScratchDatabase
from ioc_testing.alert_service import AlertsLauncher
from ioc_testing.mail import MailServer
from ioc_testing.pipeline import PipelineTopics, ServiceProcess, mailing_settings


@pytest.fixture
def launch_alerts(
    catalog_database: ScratchDatabase,
    pipeline_topics: PipelineTopics,
    kafka_bootstrap: str,
    unique_name: str,
    tmp_path: Path,
) -> Iterator[AlertsLauncher]:
    launcher = AlertsLauncher(
        catalog_database, pipeline_topics, kafka_bootstrap, unique_name, tmp_path
    )
    yield launcher
    launcher.kill_all()


@pytest.fixture
def alerts_process(launch_alerts: AlertsLauncher, mail_server: MailServer) -> ServiceProcess:
    """The alert service mailing the test's SMTP server on a July 2023 clock, not started."""
    return launch_alerts(**mailing_settings(mail_server.port))


@pytest.fixture
def alerts_serving(launch_alerts: AlertsLauncher) -> ServiceProcess:
    """The alert service started and ready, for what its API and links do; the schedule
    would judge the real catalog meanwhile, so it is put out of the test's way."""
    return launch_alerts.ready(IOC_ALERTS_EVALUATE_EVERY_SECONDS="3600")
