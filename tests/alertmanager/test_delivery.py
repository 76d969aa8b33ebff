"""Connected: the pipeline alerts reach the duty desk's mailbox through a real Prometheus
and a real Alertmanager with the shipped rules and routing.

The rules' `for:` durations are shortened in the test's copy of the rules (one rule at a
time, the others keep theirs and so stay pending), and Alertmanager's grouping waits in
the test's copy of its configuration, so a minute-scale alert arrives in seconds.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from ioc_testing.mail import MailServer
from ioc_testing.pipeline import ServiceProcess, wait_for

from .support import (
    DUTY_DESK,
    WITHIN,
    Daemon,
    alert,
    mail_to_desk,
    prometheus,
    rules_with_durations,
    text_of,
)

pytestmark = pytest.mark.connected

SERVICE_DOWN = "Dịch vụ aggregator không phản hồi"


async def test_stopping_the_aggregator_mails_the_duty_desk(
    aggregator_process: ServiceProcess,
    alertmanager: Daemon,
    mail_server: MailServer,
    tmp_path: Path,
) -> None:
    aggregator_process.start()
    await asyncio.to_thread(aggregator_process.wait_ready)
    await alertmanager.wait_ready()
    for server in prometheus(
        tmp_path,
        jobs={"aggregator": aggregator_process.url.removeprefix("http://")},
        rules=rules_with_durations({"IocServiceDown": "2s"}),
        alertmanager=alertmanager,
    ):
        await server.wait_ready()
        async with httpx.AsyncClient(base_url=server.url, timeout=5) as api:

            async def aggregator_up() -> bool:
                answer = await api.get("/api/v1/query", params={"query": "up"})
                return [s["value"][1] for s in answer.json()["data"]["result"]] == ["1"]

            await wait_for(aggregator_up, within=WITHIN, what="Prometheus to scrape the aggregator")
            assert mail_server.mailbox.messages == []

            aggregator_process.stop()

            async def desk_told() -> bool:
                return bool(mail_to_desk(mail_server, SERVICE_DOWN))

            await wait_for(desk_told, within=WITHIN, what="the duty desk's email")

    [message] = mail_to_desk(mail_server, SERVICE_DOWN)
    assert str(message["To"]) == DUTY_DESK
    assert str(message["Subject"]).startswith("[IOC] CẢNH BÁO: ")
    text = text_of(message)
    assert "mức nghiêm trọng (IocServiceDown)" in text
    assert text.index("Prometheus không lấy được số liệu của aggregator") < text.index(
        "Service aggregator is down"
    )
    assert "(giờ Việt Nam)" in text


async def test_a_down_aggregator_inhibits_its_consequences_but_not_its_lag_and_mails_once(
    alertmanager_api: httpx.AsyncClient, mail_server: MailServer
) -> None:
    aggregator = {"job": "aggregator", "service": "aggregator"}
    lag = {"service": "aggregator", "group": "ioc-aggregator", "topic": "ioc.indicator-events"}
    # The outage first, as Prometheus would (it fires two minutes in, the others ten):
    # alerts that started a minute ago are sent at once, and a consequence posted in the
    # same request could be judged before the inhibitor has seen its cause.
    causes = [
        alert("IocServiceDown", **aggregator, instance="aggregator-0:9102"),
        alert("IocServiceDown", **aggregator, instance="aggregator-1:9102"),
    ]
    sent = await alertmanager_api.post("/api/v2/alerts", json=causes)
    assert sent.status_code == 200, sent.text

    async def outage_known() -> bool:
        alerts = (await alertmanager_api.get("/api/v2/alerts")).json()
        return [a["status"]["state"] for a in alerts] == ["active", "active"]

    await wait_for(outage_known, within=WITHIN, what="the outage in Alertmanager")
    sent = await alertmanager_api.post(
        "/api/v2/alerts",
        json=[*causes, alert("IocAggregatorNotConsuming"), alert("IocConsumerLagGrowing", **lag)],
    )
    assert sent.status_code == 200, sent.text

    async def judged() -> bool:
        alerts = (await alertmanager_api.get("/api/v2/alerts")).json()
        states = {a["labels"]["alertname"]: a["status"]["state"] for a in alerts}
        return states == {
            "IocServiceDown": "active",
            "IocAggregatorNotConsuming": "suppressed",
            "IocConsumerLagGrowing": "active",
        }

    await wait_for(judged, within=WITHIN, what="the consequence to be inhibited, not the lag")

    async def backlog_mailed() -> bool:
        return any("(IocConsumerLagGrowing)" in text_of(m) for m in mail_server.mailbox.messages)

    await wait_for(backlog_mailed, within=WITHIN, what="the backlog in the duty desk's email")
    # Grouping waits a second between messages of a group; give a stray one the time.
    await asyncio.sleep(3)
    subjects = [str(m["Subject"]) for m in mail_server.mailbox.messages]
    # One thread about the service: the outage, then the outage with its backlog.
    assert subjects == [
        f"[IOC] CẢNH BÁO: {SERVICE_DOWN} (+2 cảnh báo)",
        f"[IOC] CẢNH BÁO: {SERVICE_DOWN} (+3 cảnh báo)",
    ]
    text = text_of(mail_server.mailbox.messages[-1])
    assert text.count("Prometheus không lấy được số liệu của aggregator") == 2
    assert text.index("(IocServiceDown)") < text.index("(IocConsumerLagGrowing)")
    for message in mail_server.mailbox.messages:
        assert "(IocAggregatorNotConsuming)" not in text_of(message)
