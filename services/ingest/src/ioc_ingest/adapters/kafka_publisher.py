"""Publishing accepted events to Kafka, and knowing when they are safe.

All events of a request are sent first (they batch together), then every
acknowledgement is awaited under one deadline (`ioc_messaging.acknowledgements`). The producer runs with
`SAFE_PRODUCER_OPTIONS` (acks=all, idempotence), so an acknowledged event is on every
in-sync replica, and aiokafka's own retries never write it twice.

The events go out through a plain aiokafka producer, not FastStream's publish path: a
command object, a correlation id and its middleware per message were about a quarter
of the gateway's CPU for a request of 100 events (benchmarks/http_gateway.py). A
request of many events is handed over as one record batch per partition
(`ioc_messaging.keyed_batches`); a request of a few shares the batches open for its
partitions with the other requests of the moment. FastStream's broker still declares
what the gateway publishes, for the AsyncAPI document (`new_broker`).

The producer connects in the background: the gateway starts (and answers 503 with
Retry-After) while Kafka is still down, instead of crash-looping.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError
from faststream.kafka import KafkaBroker

from ioc_ingest.specification import declare_publishers
from ioc_messaging.acknowledgements import acknowledgement_failures
from ioc_messaging.clients import KafkaLoginError, check_login, safe_broker, safe_producer
from ioc_messaging.keyed_batches import RememberedPartitioner, send_keyed
from ioc_messaging.settings import KafkaSettings
from ioc_runtime.backoff import Backoff

_log = logging.getLogger(__name__)

_CONNECT_RETRY_FIRST_SECONDS = 0.5
_CONNECT_RETRY_MAX_SECONDS = 10.0
# From this many events a request is sent as record batches of its own (see above).
BATCHED_FROM = 20
_JSON_HEADERS = [("content-type", b"application/json")]


class KafkaUnavailableError(RuntimeError):
    """The events were not all acknowledged; none may be reported as accepted."""


@dataclass(frozen=True, slots=True)
class OutgoingRecord:
    key: bytes
    value: bytes


class KafkaEventPublisher:
    def __init__(self, kafka: KafkaSettings, *, topic: str) -> None:
        self._kafka = kafka
        self._bootstrap_servers = kafka.bootstrap_servers
        self.topic = topic
        self._producer: AIOKafkaProducer | None = None
        self._partition_of = RememberedPartitioner()
        self._connecting: asyncio.Task[None] | None = None

    @property
    def ready(self) -> bool:
        """Whether the producer is connected (it may still fail to reach a partition)."""
        return self._producer is not None

    async def start(self) -> None:
        self._connecting = asyncio.create_task(self._connect(), name="kafka-connect")

    async def close(self) -> None:
        if self._connecting is not None:
            self._connecting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._connecting
        if self._producer is not None:
            producer, self._producer = self._producer, None
            # stop() flushes what is still buffered before closing the producer.
            await producer.stop()

    async def publish(self, records: Sequence[OutgoingRecord], *, timeout_seconds: float) -> None:
        """Returns once Kafka acknowledged every record; raises KafkaUnavailableError otherwise.

        After a timeout, records already handed to the producer may still be delivered:
        the agency resends them with the same event_id, and the aggregator stores each
        event_id once.
        """
        if not records:
            return
        producer = self._producer
        if producer is None:
            raise KafkaUnavailableError("the gateway is not connected to Kafka")
        try:
            async with asyncio.timeout(timeout_seconds):
                # Both ways may wait for the topic's metadata: inside the deadline too.
                deliveries = await self._send(producer, records)
                failures = await acknowledgement_failures(deliveries)
        except TimeoutError as error:
            raise KafkaUnavailableError(
                f"Kafka did not acknowledge the events within {timeout_seconds:g} s"
            ) from error
        except KafkaError as error:
            raise KafkaUnavailableError(f"Kafka refused the events: {error}") from error
        if failures:
            raise KafkaUnavailableError(
                f"Kafka refused some of the {len(records)} events: {failures[0]}"
            ) from failures[0]

    async def _send(
        self, producer: AIOKafkaProducer, records: Sequence[OutgoingRecord]
    ) -> list[asyncio.Future[Any]]:
        if len(records) >= BATCHED_FROM:
            return await send_keyed(
                producer,
                self.topic,
                ((record.key, record.value) for record in records),
                partition_of=self._partition_of,
                headers=_JSON_HEADERS,
            )
        return [
            await producer.send(self.topic, record.value, key=record.key, headers=_JSON_HEADERS)
            for record in records
        ]

    def new_broker(self) -> KafkaBroker:
        """An unconnected broker declaring what this publisher sends (the AsyncAPI
        document is built from it); the events go out through `_connect`'s producer."""
        broker = safe_broker(self._kafka, client_id=self._kafka.client_id, logger_name=__name__)
        declare_publishers(broker, self.topic)
        return broker

    async def _connect(self) -> None:
        backoff = Backoff(initial=_CONNECT_RETRY_FIRST_SECONDS, ceiling=_CONNECT_RETRY_MAX_SECONDS)
        while True:
            # TLS and SASL as the settings say, acks=all and idempotence as always.
            producer = safe_producer(self._kafka)
            try:
                await producer.start()
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
                    await producer.stop()
                await asyncio.sleep(delay)
                continue
            self._producer = producer
            _log.info("connected to Kafka at %s", self._bootstrap_servers)
            return
