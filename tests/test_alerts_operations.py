"""What operators do with alerts: silence a target, acknowledge through the API, and
what leaders get once a day: the digest. State changes reach `ioc.alerts`."""

from __future__ import annotations

import uuid

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from ioc_contracts import AlertStateChanged
from ioc_storage.operators import Role
from ioc_testing import ScratchDatabase
from ioc_testing.alert_service import AlertsLauncher
from ioc_testing.database import operator_with_token
from ioc_testing.mail import MailServer
from ioc_testing.pipeline import (
    PipelineTopics,
    ServiceProcess,
    mailing_settings,
    publish_slow_paperless,
    wait_for,
)

pytestmark = pytest.mark.connected

OFFICE = "Chánh Văn phòng UBND tỉnh"


async def test_silence_api_acknowledgement_digest_and_state_changes(
    aggregator_process: ServiceProcess,
    launch_alerts: AlertsLauncher,
    catalog_database: ScratchDatabase,
    pipeline_topics: PipelineTopics,
    kafka_bootstrap: str,
    mail_server: MailServer,
    producer: AIOKafkaProducer,
) -> None:
    alerts = launch_alerts(
        # The digest goes out once 07:30 has passed: at once on this clock (09:00).
        **mailing_settings(mail_server.port, IOC_ALERTS_DIGEST_AT="07:30"),
    )
    token = await operator_with_token(
        catalog_database, "cvp.ubnd", role=Role.OPERATOR, display_name=OFFICE
    )
    aggregator_process.start()
    alerts.start()
    alerts.wait_ready()
    async with httpx.AsyncClient(base_url=alerts.url, timeout=30) as api:
        assert (await api.get("/v1/alerts")).status_code == 401
        silence = await api.post(
            "/v1/silences",
            json={
                "target": "dvc.paperless-100",
                "ends_at": "2023-08-01T00:00:00+07:00",
                "comment": "Đang rà soát danh mục DVCTT giai đoạn 1",
            },
            headers={"Authorization": f"Bearer {token}"},
        )
        assert silence.status_code == 201, silence.text
        bad = await api.post(
            "/v1/silences",
            json={"ends_at": "2023-08-01T00:00:00+07:00", "comment": "y"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert bad.status_code == 422

        await publish_slow_paperless(producer, pipeline_topics.events)

        async def opened() -> bool:
            listing = await api.get("/v1/alerts", headers={"Authorization": f"Bearer {token}"})
            return any(a["target"] == "dvc.paperless-100" for a in listing.json())

        await wait_for(opened, what="the paperless alert to open")
        listing = await api.get("/v1/alerts", headers={"Authorization": f"Bearer {token}"})
        alert = next(a for a in listing.json() if a["target"] == "dvc.paperless-100")
        ack = await api.post(
            f"/v1/alerts/{alert['id']}/ack",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert ack.status_code == 200
        assert ack.json()["changed"] is True
        again = await api.post(
            f"/v1/alerts/{alert['id']}/ack",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert again.json()["changed"] is False
        missing = await api.post(
            f"/v1/alerts/{uuid.uuid4()}/ack",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert missing.status_code == 404

    # Digest: once the day's digest time has passed, each leader with open alerts
    # (the silent freshness targets) gets one summary.
    async def digest_sent() -> bool:
        return any("[Tổng hợp]" in str(m["Subject"]) for m in mail_server.mailbox.messages)

    await wait_for(digest_sent, what="the daily digest")
    digests = [m for m in mail_server.mailbox.messages if "[Tổng hợp]" in str(m["Subject"])]
    recipients = [m["To"].addresses[0].addr_spec for m in digests]
    assert len(recipients) == len(set(recipients))  # one per leader per day
    assert "ngày 15/07/2023" in str(digests[0]["Subject"])

    reader = await asyncpg.connect(catalog_database.dsns["reader"])
    try:
        statuses = await reader.fetch(
            "SELECT n.status FROM ioc.notifications n JOIN ioc.alerts a ON a.id = n.alert_id "
            "WHERE a.target = 'dvc.paperless-100'"
        )
    finally:
        await reader.close()
    # The silence kept every paperless message from going out, and says so.
    assert statuses
    assert {row["status"] for row in statuses} == {"suppressed"}
    assert not any(
        "100% DVCTT đủ điều kiện không nhận hồ sơ giấy trước 30/9/2023\n" in str(m)
        for m in mail_server.mailbox.messages
        if "[Tổng hợp]" not in str(m["Subject"])
    )

    consumer = AIOKafkaConsumer(
        pipeline_topics.alerts, bootstrap_servers=kafka_bootstrap, auto_offset_reset="earliest"
    )
    await consumer.start()
    changes: list[AlertStateChanged] = []
    try:

        async def published() -> bool:
            batch = await consumer.getmany(timeout_ms=500)
            for records in batch.values():
                changes.extend(AlertStateChanged.model_validate_json(r.value) for r in records)
            return any(
                c.target_id == "dvc.paperless-100" and c.state.value == "acknowledged"
                for c in changes
            )

        await wait_for(published, what="the acknowledgement on ioc.alerts")
    finally:
        await consumer.stop()
    paperless = [c for c in changes if c.target_id == "dvc.paperless-100"]
    assert [c.state.value for c in paperless] == ["firing", "acknowledged"]
    assert paperless[1].changed_by == OFFICE
