"""Publishing accepted events to Kafka through FastStream, and knowing when they are safe.

All events of a request are sent first (they batch together), then every
acknowledgement is awaited under one deadline (`ioc_messaging.acknowledgements`). The producer runs with
`SAFE_PRODUCER_OPTIONS` (acks=all, idempotence), so an acknowledged event is on every
in-sync replica, and aiokafka's own retries never write it twice.

The broker connects in the background: the gateway starts (and answers 503 with
Retry-After) while Kafka is still down, instead of crash-looping.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aiokafka.errors import KafkaError
from faststream.kafka import KafkaBroker
from prometheus_client import CollectorRegistry

from ioc_ingest.specification import declare_publishers
from ioc_messaging.acknowledgements import acknowledgement_failures
from ioc_messaging.clients import KafkaLoginError, check_login, safe_broker
from ioc_messaging.settings import KafkaSettings
from ioc_runtime.backoff import Backoff

_log = logging.getLogger(__name__)

_CONNECT_RETRY_FIRST_SECONDS = 0.5
_CONNECT_RETRY_MAX_SECONDS = 10.0


class KafkaUnavailableError(RuntimeError):
    """The events were not all acknowledged; none may be reported as accepted."""


@dataclass(frozen=True, slots=True)
class OutgoingRecord:
    key: bytes
    value: bytes


class KafkaEventPublisher:
    def __init__(
        self, kafka: KafkaSettings, *, topic: str, registry: CollectorRegistry | None = None
    ) -> None:
        self._kafka = kafka
        self._registry = registry
        self._bootstrap_servers = kafka.bootstrap_servers
        self.topic = topic
        self._broker: KafkaBroker | None = None
        self._connecting: asyncio.Task[None] | None = None

    @property
    def ready(self) -> bool:
        """Whether the producer is connected (it may still fail to reach a partition)."""
        return self._broker is not None

    async def start(self) -> None:
        self._connecting = asyncio.create_task(self._connect(), name="kafka-connect")

    async def close(self) -> None:
        if self._connecting is not None:
            self._connecting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._connecting
        if self._broker is not None:
            broker, self._broker = self._broker, None
            # stop() flushes what is still buffered before closing the producer.
            await broker.stop()

    async def publish(self, records: Sequence[OutgoingRecord], *, timeout_seconds: float) -> None:
        """Returns once Kafka acknowledged every record; raises KafkaUnavailableError otherwise.

        After a timeout, records already handed to the producer may still be delivered:
        the agency resends them with the same event_id, and the aggregator stores each
        event_id once.
        """
        if not records:
            return
        broker = self._broker
        if broker is None:
            raise KafkaUnavailableError("the gateway is not connected to Kafka")
        try:
            async with asyncio.timeout(timeout_seconds):
                # send() may wait for the topic's metadata, so it is inside the deadline too.
                deliveries: list[asyncio.Future[Any]] = [
                    await broker.publish(
                        record.value,
                        self.topic,
                        key=record.key,
                        headers={"content-type": "application/json"},
                        no_confirm=True,
                    )
                    for record in records
                ]
                failures = await acknowledgement_failures(deliveries)
        except TimeoutError as error:
            raise KafkaUnavailableError(
                f"Kafka did not acknowledge the events within {timeout_seconds:g} s"
            ) from error
        except KafkaError as error:
            raise KafkaUnavailableError(f"Kafka refused the events: {error}") from error
        if failures:
            raise KafkaUnavailableError(
                f"Kafka refused {len(failures)} of {len(records)} events: {failures[0]}"
            ) from failures[0]

    def new_broker(self) -> KafkaBroker:
        """An unconnected broker as this publisher connects with (and documents) it."""
        # TLS and SASL as the settings say, acks=all and idempotence as always.
        broker = safe_broker(
            self._kafka,
            client_id=self._kafka.client_id,
            logger_name=__name__,
            registry=self._registry,
            app_name="ioc-ingest",
        )
        declare_publishers(broker, self.topic)
        return broker

    async def _connect(self) -> None:
        backoff = Backoff(initial=_CONNECT_RETRY_FIRST_SECONDS, ceiling=_CONNECT_RETRY_MAX_SECONDS)
        while True:
            broker = self.new_broker()
            try:
                await broker.start()
            except (KafkaError, OSError) as failure:
                error: BaseException = failure
                if self._kafka.security_protocol.uses_sasl:
                    # "Unable to bootstrap" hides a refused login; say which it was.
                    try:
                        await check_login(self._kafka)
                    except KafkaLoginError as refused:
                        error = refused
                delay = backoff.next_delay()
                _log.warning(
                    "cannot connect to Kafka at %s, retrying in %.1f s: %s",
                    self._bootstrap_servers,
                    delay,
                    error,
                    extra={"bootstrap_servers": self._bootstrap_servers},
                )
                with contextlib.suppress(Exception):
                    await broker.stop()
                await asyncio.sleep(delay)
                continue
            self._broker = broker
            _log.info("connected to Kafka at %s", self._bootstrap_servers)
            return
