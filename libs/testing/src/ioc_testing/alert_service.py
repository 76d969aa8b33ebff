"""The alert service of one test, as real processes: each made on the test's database,
topics and consumer group, and all killed when the test ends."""

from __future__ import annotations

import uuid
from pathlib import Path

import asyncpg

from ioc_testing import ScratchDatabase
from ioc_testing.pipeline import PipelineTopics, ServiceProcess, alerts_service

ACK_SECRET = b"test-ack-secret-0123456789"
"""The secret `alerts_service` gives the service to sign its acknowledgement links."""


class AlertsLauncher:
    def __init__(
        self,
        database: ScratchDatabase,
        topics: PipelineTopics,
        kafka_bootstrap: str,
        name: str,
        log_dir: Path,
    ) -> None:
        self._database = database
        self._topics = topics
        self._kafka_bootstrap = kafka_bootstrap
        self._name = name
        self._log_dir = log_dir
        self._made: list[ServiceProcess] = []

    def __call__(self, **settings: str) -> ServiceProcess:
        """The alert service with these IOC_* settings on top of the test's, not started."""
        log = "alerts.log" if not self._made else f"alerts-{len(self._made) + 1}.log"
        service = alerts_service(
            self._database,
            self._topics,
            self._kafka_bootstrap,
            f"{self._name}.alerts",
            self._log_dir / log,
            **settings,
        )
        self._made.append(service)
        return service

    def ready(self, **settings: str) -> ServiceProcess:
        """The alert service started, once it answers /readyz."""
        service = self(**settings)
        service.start()
        service.wait_ready()
        return service

    def kill_all(self) -> None:
        for service in self._made:
            service.kill()


async def firing_alerts(database: ScratchDatabase, count: int = 1) -> list[uuid.UUID]:
    """Firing alerts opened on targets that have none open (the service's first
    evaluation may have opened some), as the alert service's role would."""
    made: list[uuid.UUID] = []
    connection = await asyncpg.connect(database.dsns["alerts"])
    try:
        for target in await connection.fetch("SELECT code FROM ioc.targets ORDER BY code"):
            if len(made) == count:
                break
            alert_id = uuid.uuid4()
            try:
                await connection.execute(
                    "INSERT INTO ioc.alerts (id, target, state, risk_status, severity, "
                    "current_value, opened_at, updated_at) VALUES ($1, $2, 'firing', "
                    "'off_track', 'critical', 40.0, now(), now())",
                    alert_id,
                    target["code"],
                )
            except asyncpg.UniqueViolationError:
                continue
            made.append(alert_id)
    finally:
        await connection.close()
    assert len(made) == count, f"only {len(made)} targets without an open alert"
    return made
