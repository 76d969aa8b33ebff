"""Connected: a stopped aggregator's growing backlog reaches the duty desk by email.

The aggregator runs, reads what arrives and commits; then it stops while events keep
arriving. It cannot report its own lag any more: the lag exporter measures it at the
broker, a real Prometheus evaluates the shipped rules on it, and a real Alertmanager with
the shipped routing and inhibition mails IocConsumerLagGrowing to the duty desk beside
the outage, instead of silencing it because the aggregator is down.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
from aiokafka import AIOKafkaProducer

from ioc_contracts.topics import series_key_bytes
from ioc_testing.lag import lag_exporter_service
from ioc_testing.mail import MailServer
from ioc_testing.pipeline import PipelineTopics, ServiceProcess, wait_for

from .support import DUTY_DESK, WITHIN, Daemon, prometheus, rules_with_durations, text_of

pytestmark = pytest.mark.connected

LAG_ALERT = "IocConsumerLagGrowing"
# Above the rule's floor of 1,000 records, in bursts a second apart: the lag grows.
BURSTS, BURST_SIZE = 6, 300


@pytest.fixture
def lag_exporter(
    aggregator_process: ServiceProcess,
    pipeline_topics: PipelineTopics,
    kafka_bootstrap: str,
    tmp_path: Path,
) -> Iterator[ServiceProcess]:
    """The exporter watching the test aggregator's group, asking twice a second."""
    group = aggregator_process.env["IOC_AGGREGATOR_GROUP_ID"]
    watched = [{"service": "aggregator", "group": group, "topic": pipeline_topics.events}]
    exporter = lag_exporter_service(kafka_bootstrap, tmp_path / "lag-exporter.log", watched)
    exporter.start()
    yield exporter
    exporter.stop()


async def publish(producer: AIOKafkaProducer, topic: str, count: int) -> None:
    """`count` well-formed figures of the paperless rate, on days of 2023."""
    deliveries = []
    for _ in range(count):
        day = date(2023, 1, 1) + timedelta(days=uuid.uuid4().int % 300)
        event = {
            "event_id": str(uuid.uuid4()),
            "agency": "vp-ubnd",
            "indicator": "dvc.paperless-rate",
            "scope": "province",
            "observed_at": f"{day.isoformat()}T17:00:00+07:00",
            "value": 40.0,
        }
        key = series_key_bytes("dvc.paperless-rate", "province")
        deliveries.append(await producer.send(topic, json.dumps(event).encode(), key=key))
    await asyncio.gather(*deliveries)


def lag_shown(exporter: ServiceProcess) -> dict[str, float]:
    """Partition → records behind, as the exporter's /metrics says now."""
    shown = {}
    for line in exporter.metrics().splitlines():
        if line.startswith("ioc_consumer_group_lag{"):
            labels, _, value = line.rpartition(" ")
            shown[labels.split('partition="')[1].split('"')[0]] = float(value)
    return shown


async def test_stopping_the_aggregator_mails_its_growing_lag_to_the_duty_desk(
    aggregator_process: ServiceProcess,
    lag_exporter: ServiceProcess,
    pipeline_topics: PipelineTopics,
    producer: AIOKafkaProducer,
    alertmanager: Daemon,
    mail_server: MailServer,
    tmp_path: Path,
) -> None:
    aggregator_process.start()
    await asyncio.to_thread(aggregator_process.wait_ready)
    await asyncio.to_thread(lag_exporter.wait_ready)
    await alertmanager.wait_ready()
    await publish(producer, pipeline_topics.events, 20)

    async def caught_up() -> bool:
        shown = await asyncio.to_thread(lag_shown, lag_exporter)
        return len(shown) == 3 and sum(shown.values()) == 0

    # Nothing committed counts as everything behind: zero means the group committed.
    await wait_for(caught_up, within=WITHIN, what="the aggregator to commit what it read")

    jobs = {
        "aggregator": aggregator_process.url.removeprefix("http://"),
        "lag-exporter": lag_exporter.url.removeprefix("http://"),
    }
    rules = rules_with_durations({"IocServiceDown": "2s", LAG_ALERT: "2s"})
    for server in prometheus(tmp_path, jobs=jobs, rules=rules, alertmanager=alertmanager):
        await server.wait_ready()
        async with (
            httpx.AsyncClient(base_url=server.url, timeout=5) as prometheus_api,
            httpx.AsyncClient(base_url=alertmanager.url, timeout=5) as alertmanager_api,
        ):

            async def both_scraped() -> bool:
                answer = await prometheus_api.get("/api/v1/query", params={"query": "up == 1"})
                return len(answer.json()["data"]["result"]) == 2

            await wait_for(both_scraped, within=WITHIN, what="Prometheus to scrape both")
            aggregator_process.stop()

            async def states() -> dict[str, str]:
                alerts = (await alertmanager_api.get("/api/v2/alerts")).json()
                return {a["labels"]["alertname"]: a["status"]["state"] for a in alerts}

            async def outage_known() -> bool:
                return (await states()).get("IocServiceDown") == "active"

            # The outage first: the old inhibition silenced the lag from here on.
            await wait_for(outage_known, within=WITHIN, what="IocServiceDown in Alertmanager")
            for _ in range(BURSTS):
                await publish(producer, pipeline_topics.events, BURST_SIZE)
                await asyncio.sleep(1)

            async def lag_mailed() -> bool:
                return any(f"({LAG_ALERT})" in text_of(m) for m in mail_server.mailbox.messages)

            await wait_for(lag_mailed, within=WITHIN, what=f"{LAG_ALERT} in the desk's mailbox")
            assert (await states())[LAG_ALERT] == "active"

    [message] = [m for m in mail_server.mailbox.messages if f"({LAG_ALERT})" in text_of(m)]
    assert str(message["To"]) == DUTY_DESK
    # One message for the service: the outage first, the backlog beside it.
    assert str(message["Subject"]).startswith("[IOC] CẢNH BÁO: Dịch vụ aggregator không phản hồi")
    text = text_of(message)
    group = aggregator_process.env["IOC_AGGREGATOR_GROUP_ID"]
    assert f"Nhóm tiêu thụ {group} còn" in text
    assert f"trên {pipeline_topics.events}" in text
    assert text.index("(IocServiceDown)") < text.index(f"({LAG_ALERT})")
