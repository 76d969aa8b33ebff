"""The alert scenario end-to-end tests share: the paperless rate creeping up far too
slowly in July 2023, and an alert service that mails a local SMTP server about it."""

from __future__ import annotations

import asyncio
import json
import uuid

from aiokafka import AIOKafkaProducer

from ioc_contracts.topics import series_key_bytes

# Mid-July 2023, daytime in Bình Dương: the paperless target's deadline (30/9) is ahead.
JULY_2023 = "2023-07-15T09:00:00+07:00"


def mailing_settings(smtp_port: int, **overrides: str) -> dict[str, str]:
    """An alert service that mails a local SMTP server, judging on a July 2023 clock,
    with no quiet hours and no digest to get in a test's way."""
    return {
        "IOC_ALERTS_CLOCK_START": JULY_2023,
        "IOC_ALERTS_QUIET_START": "00:00",
        "IOC_ALERTS_QUIET_END": "00:00",
        "IOC_ALERTS_DIGEST_AT": "23:59",
        "IOC_SMTP_HOST": "127.0.0.1",
        "IOC_SMTP_PORT": str(smtp_port),
        "IOC_SMTP_STARTTLS": "false",
        **overrides,
    }


async def publish_slow_paperless(producer: AIOKafkaProducer, topic: str) -> None:
    """The paperless rate creeping up far too slowly: its deadline target fires.

    The figures are handed to the producer together and acknowledged together, so they
    travel as one batch and the alert service judges the whole series at once; one by
    one, the aggregator could store them in separate batches, and the alert service
    open the alert on the first figure and tell everyone again when the next one
    changes its status.
    """
    deliveries = []
    for day, value in (("2023-06-01", 37.0), ("2023-06-20", 38.0), ("2023-07-10", 40.0)):
        event = {
            "event_id": str(uuid.uuid4()),
            "agency": "vp-ubnd",
            "indicator": "dvc.paperless-rate",
            "scope": "province",
            "observed_at": f"{day}T17:00:00+07:00",
            "value": value,
        }
        deliveries.append(
            await producer.send(
                topic,
                json.dumps(event).encode(),
                key=series_key_bytes("dvc.paperless-rate", "province"),
            )
        )
    await asyncio.gather(*deliveries)
