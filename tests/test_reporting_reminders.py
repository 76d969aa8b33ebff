"""The reporting calendar reminds agencies, on the alert service's clock, against the real
TimescaleDB with the shipped catalog and a real SMTP exchange: a reminder to the data
officer before the due day, an overdue notice to the officer and the duty desk, an
escalation to the director after the grace period, and nothing more once the figure
arrives. Two planners (two replicas) evaluating the same moments send each reminder once.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from typing import Any

import asyncpg
import pytest
from prometheus_client import CollectorRegistry

from ioc_alerts.adapters.catalog import AlertingCatalog, load_alerting_catalog
from ioc_alerts.deliver.context_builder import LinkSettings
from ioc_alerts.deliver.dispatcher import Dispatcher
from ioc_alerts.domain.reminders import DEFAULT_POLICY
from ioc_alerts.lifecycle.quiet_hours import QuietHours
from ioc_alerts.metrics import AlertMetrics
from ioc_alerts.notify.retry import RetryPolicy
from ioc_alerts.notify.smtp import EmailChannel, SmtpSettings
from ioc_alerts.reminders import ReminderPlanner
from ioc_contracts.types import VIETNAM_TIME
from ioc_storage.catalog_cache import CatalogCache
from ioc_testing import ScratchDatabase
from ioc_testing.alert_mail import plain_text
from ioc_testing.mail import MailServer
from ioc_testing.pipeline import wait_for

pytestmark = pytest.mark.connected

Catalog = CatalogCache[AlertingCatalog]

INDICATOR, SCOPE = "dvc.online-full-rate", "so-tnmt"  # monthly, due by the 5th
INDICATOR_VI = "Tỷ lệ thủ tục hành chính cung cấp dịch vụ công trực tuyến toàn trình"
OFFICER = "so-lieu@stnmt.binhduong.example"
DIRECTOR = "giam-doc@stnmt.binhduong.example"
DUTY_DESK = "truc-ban@ioc.binhduong.example"
SENDER = "ioc-canh-bao@binhduong.example"


def _vn(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=VIETNAM_TIME)


@dataclass
class Clock:
    """The alert service's clock, moved by the test."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def pool(catalog_database: ScratchDatabase) -> AsyncIterator[asyncpg.Pool]:
    dsn = catalog_database.dsns["alerts"]
    async with asyncpg.create_pool(dsn, min_size=1, max_size=6) as pool:
        yield pool


async def _figure(database: ScratchDatabase, observed_at: datetime) -> None:
    """What the aggregator leaves once it stored a figure: the series' latest value."""
    writer = await asyncpg.connect(database.dsns["writer"])
    try:
        await writer.execute(
            "INSERT INTO ioc.latest_values (indicator, scope, observed_at, value, event_id, "
            "agency) VALUES ($1, $2, $3, 40, $4, $2) ON CONFLICT (indicator, scope) DO UPDATE "
            "SET observed_at = EXCLUDED.observed_at",
            INDICATOR,
            SCOPE,
            observed_at,
            uuid.uuid4(),
        )
    finally:
        await writer.close()


def _to(message: EmailMessage) -> str:
    return str(message["To"].addresses[0].addr_spec)


def _about_our_report(mail: MailServer) -> list[EmailMessage]:
    ours = (INDICATOR_VI, "Sở Tài nguyên và Môi trường")
    return [m for m in mail.mailbox.messages if all(w in str(m["Subject"]) for w in ours)]


async def _june_stages(pool: asyncpg.Pool) -> list[str]:
    """The reminder stages decided about our report for June 2023, in order."""
    stages = await pool.fetch(
        "SELECT stage FROM ioc.reporting_reminders WHERE indicator = $1 AND scope = $2 "
        "AND period_start = $3 ORDER BY decided_at",
        INDICATOR,
        SCOPE,
        _vn("2023-06-01 00:00"),
    )
    return [row["stage"] for row in stages]


def _planner(pool: asyncpg.Pool, catalog: Catalog, clock: Clock) -> ReminderPlanner:
    return ReminderPlanner(
        pool=pool,
        catalog=catalog.current,
        policy=DEFAULT_POLICY,
        quiet_hours=QuietHours(),
        clock=clock,
    )


def _dispatcher(
    pool: asyncpg.Pool, catalog: Catalog, mail: MailServer, clock: Clock, **options: Any
) -> Dispatcher:
    """A dispatcher mailing the test's SMTP server."""
    smtp = SmtpSettings(host="127.0.0.1", port=mail.port, starttls=False, from_address=SENDER)
    return Dispatcher(
        pool=pool,
        catalog=catalog.current,
        channels={"email": EmailChannel(smtp)},
        links=LinkSettings("http://127.0.0.1:1", b"k" * 32, None),
        retry=RetryPolicy(),
        metrics=AlertMetrics.create(CollectorRegistry()),
        clock=clock,
        **options,
    )


async def test_reminder_overdue_escalation_closed_by_a_figure_and_sent_once(
    catalog_database: ScratchDatabase, pool: asyncpg.Pool, mail_server: MailServer
) -> None:
    await _figure(catalog_database, _vn("2023-05-31 17:00"))  # May is in; June is not
    clock = Clock(_vn("2023-07-02 09:00"))
    catalog = CatalogCache(pool, load_alerting_catalog, refresh_seconds=600)
    # Two replicas: each its own planner and dispatcher on the same database.
    planners = [_planner(pool, catalog, clock) for _ in range(2)]
    dispatchers = [
        _dispatcher(pool, catalog, mail_server, clock, reminders=DEFAULT_POLICY) for _ in range(2)
    ]

    async def evaluate_at(moment: str) -> None:
        clock.now = _vn(moment)
        for planner in planners:
            await planner.plan_due()
            await planner.plan_due()
        while True:
            claimed = [await dispatcher.dispatch_due() for dispatcher in dispatchers]
            for dispatcher in dispatchers:
                await dispatcher.drain()
            if not any(claimed):
                break

    async def settled() -> bool:
        pending = await pool.fetchval(
            "SELECT count(*) FROM ioc.notifications WHERE kind = 'reminder' "
            "AND status = 'pending' AND next_attempt_at <= $1",
            clock.now,
        )
        return bool(pending == 0)

    # Before the reminder moment (3 days before the due moment): nothing about June.
    await evaluate_at("2023-07-02 09:00")
    assert _about_our_report(mail_server) == []

    # Due soon: the data officer alone, once although two replicas planned it twice.
    await evaluate_at("2023-07-03 09:00")
    await wait_for(settled, what="the reminders to be sent")
    [due_soon] = _about_our_report(mail_server)
    assert _to(due_soon) == OFFICER
    assert str(due_soon["Subject"]).startswith("[IOC] Nhắc hạn báo cáo: ")
    assert "tháng 6/2023 (hạn 05/07/2023)" in str(due_soon["Subject"])
    text = plain_text(due_soon)
    assert "chậm nhất hết ngày 05/07/2023" in text
    assert "23:59 ngày 05/07/2023 (giờ Việt Nam)" in text
    assert text.index("Hạn gửi") < text.index("English") < text.index("Due")

    # Overdue after the due day: the officer and the duty desk.
    await evaluate_at("2023-07-06 09:00")
    await evaluate_at("2023-07-06 10:00")
    await wait_for(settled, what="the overdue notices to be sent")
    overdue = [m for m in _about_our_report(mail_server) if "Quá hạn" in str(m["Subject"])]
    assert sorted(_to(m) for m in overdue) == sorted([OFFICER, DUTY_DESK])
    assert "lãnh đạo đơn vị sẽ được báo" in plain_text(overdue[0])
    # The grace runs from the due moment (24:00 on the 5th), two days.
    assert "00:00 ngày 08/07/2023 (giờ Việt Nam)" in plain_text(overdue[0])

    # After the grace period: the director.
    await evaluate_at("2023-07-08 09:00")
    await wait_for(settled, what="the escalation to be sent")
    escalated = [m for m in _about_our_report(mail_server) if "Chuyển cấp" in str(m["Subject"])]
    assert [_to(m) for m in escalated] == [DIRECTOR]
    assert "Sở Tài nguyên và Môi trường chưa gửi số liệu tháng 6/2023" in plain_text(escalated[0])
    assert len(_about_our_report(mail_server)) == 4

    # June's figure arrives: nothing more about June, on any later evaluation.
    await _figure(catalog_database, _vn("2023-06-30 17:00"))
    await evaluate_at("2023-07-09 09:00")
    await evaluate_at("2023-07-20 09:00")
    assert len(_about_our_report(mail_server)) == 4
    assert await _june_stages(pool) == ["due_soon", "overdue", "escalated"]


async def test_a_reminder_queued_before_the_figure_came_is_not_sent(
    catalog_database: ScratchDatabase, pool: asyncpg.Pool, mail_server: MailServer
) -> None:
    await _figure(catalog_database, _vn("2023-05-31 17:00"))
    # Decided at 00:00 on 3 July, held by quiet hours until 06:30.
    clock = Clock(_vn("2023-07-03 00:00"))
    catalog = CatalogCache(pool, load_alerting_catalog, refresh_seconds=600)
    planner = _planner(pool, catalog, clock)
    assert await planner.plan_due() > 0
    held = await pool.fetchval(
        "SELECT next_attempt_at FROM ioc.notifications n JOIN ioc.recipients r "
        "ON r.id = n.recipient WHERE n.kind = 'reminder' AND r.email = $1 "
        "AND n.payload->>'indicator' = $2",
        OFFICER,
        INDICATOR,
    )
    assert held == _vn("2023-07-03 06:30")

    await _figure(catalog_database, _vn("2023-06-30 17:00"))  # arrives during the night
    clock.now = _vn("2023-07-03 07:00")
    dispatcher = _dispatcher(pool, catalog, mail_server, clock, batch=100, max_in_flight=100)
    while await dispatcher.dispatch_due():
        await dispatcher.drain()
    await dispatcher.drain()
    assert _about_our_report(mail_server) == []
    status = await pool.fetchval(
        "SELECT n.status FROM ioc.notifications n WHERE n.kind = 'reminder' "
        "AND n.payload->>'indicator' = $1 AND n.payload->>'scope' = $2",
        INDICATOR,
        SCOPE,
    )
    assert status == "suppressed"
    # Other reports still missing were reminded as usual.
    assert mail_server.mailbox.messages

    # June's report is in: no overdue notice nor escalation is decided for it later.
    for moment in ("2023-07-06 09:00", "2023-07-08 09:00"):
        clock.now = _vn(moment)
        await planner.plan_due()
    assert await _june_stages(pool) == ["due_soon"]
