"""Leaders hear about the paperless-services target falling behind, once, in Vietnamese.

Every part is real: ingest, Kafka, the aggregator, TimescaleDB, the alert service and
an SMTP server. The alert service runs on a simulated clock set in July 2023, so the
seed's figures are judged against the report's own deadline (30/9/2023).
"""

from __future__ import annotations

import re
import uuid
from collections import Counter
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

import httpx
import pytest

from ioc_testing import ScratchDatabase
from ioc_testing.alert_mail import about_paperless, plain_text
from ioc_testing.alert_service import AlertsLauncher
from ioc_testing.database import issue_api_key, read_rows
from ioc_testing.mail import MailServer
from ioc_testing.pipeline import ServiceProcess, mailing_settings, wait_for

pytestmark = pytest.mark.connected

PAPERLESS = "dvc.paperless-100"
REPEAT_EVERY = timedelta(seconds=8)
FIRST_LEVEL = {
    "truc-ban@ioc.binhduong.example",
    "chanh-van-phong@ubnd.binhduong.example",
    "giam-doc@stttt.binhduong.example",
}
VN = "+07:00"


@pytest.fixture
def alerts_process(launch_alerts: AlertsLauncher, mail_server: MailServer) -> ServiceProcess:
    # Every 8 s: repeats are observable.
    every = str(REPEAT_EVERY.total_seconds() / 3600)
    return launch_alerts(**mailing_settings(mail_server.port, IOC_ALERTS_REPEAT_EVERY_HOURS=every))


def _figure(day: str, value: float) -> dict[str, Any]:
    return {
        "event_id": str(uuid.uuid4()),
        "indicator": "dvc.paperless-rate",
        "scope": "province",
        "observed_at": f"{day}T17:00:00{VN}",
        "value": value,
    }


def _by_kind(messages: list[EmailMessage], word: str) -> list[EmailMessage]:
    return [m for m in messages if word in str(m["Subject"]).lower()]


def _to(message: EmailMessage) -> str:
    return str(message["To"].addresses[0].addr_spec)


# What the alert service decided: notification id -> (target, kind, when, on its clock).
Decided = dict[str, tuple[str, str, datetime]]


async def _decided(database: ScratchDatabase) -> Decided:
    rows = await read_rows(
        database,
        "SELECT n.id::text AS id, coalesce(a.target, '') AS target, n.kind, n.created_at "
        "FROM ioc.notifications n LEFT JOIN ioc.alerts a ON a.id = n.alert_id",
    )
    return {row["id"]: (row["target"], row["kind"], row["created_at"]) for row in rows}


def _decision(message: EmailMessage, decided: Decided) -> tuple[str, str, datetime]:
    return decided[str(message["X-IOC-Notification-Id"])]


def _paperless_of_kind(
    messages: list[EmailMessage], decided: Decided, kind: str
) -> list[EmailMessage]:
    return [m for m in about_paperless(messages) if _decision(m, decided)[1] == kind]


async def test_a_target_falling_behind_reaches_leaders_once_and_resolves(
    aggregator_process: ServiceProcess,
    ingest_process: ServiceProcess,
    alerts_process: ServiceProcess,
    catalog_database: ScratchDatabase,
    mail_server: MailServer,
) -> None:
    aggregator_process.start()
    alerts_process.start()
    aggregator_process.wait_ready()
    alerts_process.wait_ready()
    key = await issue_api_key(catalog_database, "vp-ubnd", comment="the seed's figures")
    mailbox = mail_server.mailbox.messages

    # The seed: 37% on 1/6/2023, then a slow climb — far below the pace 100% needs.
    slow = [("2023-06-01", 37.0), ("2023-06-15", 38.0), ("2023-07-01", 39.0), ("2023-07-10", 40.0)]
    async with httpx.AsyncClient(base_url=ingest_process.url, timeout=30) as client:
        response = await client.post(
            "/v1/events",
            json={"events": [_figure(day, value) for day, value in slow]},
            headers={"X-API-Key": key},
        )
        assert response.status_code == 202, response.text

    # The kind of each email and when it was decided come from the alert service's own
    # record: with twenty-odd alerts opening at once, the paperless emails may wait in
    # the queue longer than the repeat interval, so a repeat may follow them closely.
    async def first_level_told() -> bool:
        decided = await _decided(catalog_database)
        firing = _paperless_of_kind(list(mailbox), decided, "firing")
        return {_to(m) for m in firing} >= FIRST_LEVEL

    await wait_for(first_level_told, within=120, what="the firing emails to the first level")
    firing = _paperless_of_kind(list(mailbox), await _decided(catalog_database), "firing")
    assert len(firing) == 3
    assert {_to(m) for m in firing} == FIRST_LEVEL
    text = plain_text(firing[0])
    assert "Chậm tiến độ" in text or "chậm tiến độ" in text
    assert "Giá trị hiện tại: 40%" in text
    assert "Mục tiêu: 100%, hạn 30/09/2023" in text
    images = [p for p in firing[0].walk() if p.get_content_type() == "image/png"]
    assert len(images) == 1
    assert len(images[0].get_content()) > 5_000
    ack_link = re.search(r"(http://127\.0\.0\.1:\d+/ack/\S+)", text)
    assert ack_link is not None

    # Acknowledged through the link: the page asks, the form confirms.
    async with httpx.AsyncClient(timeout=30) as client:
        page = await client.get(ack_link.group(1))
        assert page.status_code == 200
        assert "Xác nhận đã nhận cảnh báo" in page.text
        # The button, as a leader presses it (a bare POST acknowledges nothing).
        done = await client.post(ack_link.group(1), data={"xac_nhan": "1"})
        assert done.status_code == 200
        assert "Đã xác nhận cảnh báo" in done.text

    # Unacknowledged alerts (targets with no figures at all are stale) keep repeating;
    # the acknowledged one does not. A repeat decided before the acknowledgement may
    # still go out; none may be decided after it. Every evaluation pass judges every
    # target, so once another alert has been repeated at least REPEAT_EVERY after the
    # acknowledgement, an ignored acknowledgement would have shown.
    (alert,) = await read_rows(
        catalog_database, "SELECT acknowledged_at FROM ioc.alerts WHERE target = $1", PAPERLESS
    )
    acknowledged_at = alert["acknowledged_at"]
    assert acknowledged_at is not None
    repeats_before = len(_by_kind(mailbox, "nhắc lại"))

    async def others_repeated() -> bool:
        decided = await _decided(catalog_database)
        past_due = any(
            target != PAPERLESS and kind == "repeat" and at >= acknowledged_at + REPEAT_EVERY
            for target, kind, at in decided.values()
        )
        return past_due and len(_by_kind(mailbox, "nhắc lại")) > repeats_before + 3

    await wait_for(others_repeated, within=120, what="repeats of the unacknowledged alerts")
    decided = await _decided(catalog_database)
    assert [
        (kind, at)
        for target, kind, at in decided.values()
        if target == PAPERLESS and at > acknowledged_at
    ] == []
    for message in about_paperless(list(mailbox)):
        assert _decision(message, decided)[2] <= acknowledged_at

    # The province catches up: 100% before the deadline resolves the alert.
    fast = [("2023-07-11", 70.0), ("2023-07-12", 90.0), ("2023-07-13", 100.0)]
    async with httpx.AsyncClient(base_url=ingest_process.url, timeout=30) as client:
        response = await client.post(
            "/v1/events",
            json={"events": [_figure(day, value) for day, value in fast]},
            headers={"Authorization": f"Bearer {key}"},
        )
        assert response.status_code == 202, response.text

    async def resolved_told() -> bool:
        decided = await _decided(catalog_database)
        resolved = _paperless_of_kind(list(mailbox), decided, "resolved")
        return {_to(m) for m in resolved} >= FIRST_LEVEL

    await wait_for(resolved_told, within=120, what="the resolved emails")
    decided = await _decided(catalog_database)
    paperless = about_paperless(list(mailbox))
    kinds = Counter(_decision(m, decided)[1] for m in paperless)
    # Firing and resolved, once each per leader; at most the repeats decided before the
    # acknowledgement besides.
    assert (kinds.pop("firing", 0), kinds.pop("resolved", 0)) == (3, 3), kinds
    assert set(kinds) <= {"repeat"}
    resolved = _paperless_of_kind(paperless, decided, "resolved")
    assert {_to(m) for m in resolved} == FIRST_LEVEL
    for message in resolved:
        body = plain_text(message)
        assert "Giá trị hiện tại: 100%" in body  # the current value, not the 40% that fired
        assert "/ack/" not in body

    (alert,) = await read_rows(
        catalog_database, "SELECT * FROM ioc.alerts WHERE target = $1", PAPERLESS
    )
    changes = await read_rows(
        catalog_database,
        "SELECT payload->>'state' AS state FROM ioc.alert_outbox WHERE alert_id = $1 ORDER BY id",
        alert["id"],
    )
    assert alert["state"] == "resolved"
    assert alert["acknowledged_by"]
    assert [c["state"] for c in changes] == ["firing", "acknowledged", "resolved"]
