"""The gateway's collaborators, opened together in the app's lifespan and injected."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg

from ioc_ingest.adapters.audit import AuditLog
from ioc_ingest.adapters.credentials import CredentialDirectory
from ioc_ingest.adapters.kafka_publisher import KafkaEventPublisher
from ioc_ingest.adapters.stored_events import StoredEvents
from ioc_ingest.config import IngestSettings
from ioc_ingest.domain.screening import ScreeningRules
from ioc_ingest.metrics import IngestMetrics
from ioc_messaging.settings import KafkaSettings
from ioc_runtime.rate_limit import AgencyRateLimiter, Clock, KeyedRateLimiter
from ioc_storage.catalog_cache import CatalogCache
from ioc_storage.catalog_read import CatalogRules, read_catalog_rules
from ioc_storage.pooling import service_pool

WallClock = Callable[[], datetime]
_log = logging.getLogger(__name__)
_AUDIT_PRUNE_EVERY_SECONDS = 3600.0

# Short database timeouts: an agency's request should fail fast with 503, not hang on
# a database that is restarting.
_DB_TIMEOUT_SECONDS = 5.0
_POOL_MAX_SIZE = 10


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True, kw_only=True)
class IngestServices:
    settings: IngestSettings
    metrics: IngestMetrics
    pool: asyncpg.Pool
    credentials: CredentialDirectory
    audit: AuditLog
    stored_events: StoredEvents
    catalog: CatalogCache[CatalogRules]
    publisher: KafkaEventPublisher
    rate_limiter: AgencyRateLimiter
    failures: KeyedRateLimiter
    """Requests without a valid key, per client address."""
    now: WallClock

    def screening_rules(self) -> ScreeningRules | None:
        """The rules to screen with, or None until the catalog has been read once."""
        rules = self.catalog.last
        if rules is None:
            return None
        return ScreeningRules(
            policy=rules.policy,
            figures=rules.figures,
            scopes=rules.scopes,
            max_future=timedelta(seconds=self.settings.ingest_max_future_seconds),
        )


async def open_pool(dsn: str) -> asyncpg.Pool:
    """The gateway's pool. It opens no connection up front (min_size=0), so the gateway
    starts, and reports itself not ready, while the database is still coming up."""
    # The gateway keeps no session state (tests/test_pool_session_state.py): no reset
    # round trip after each request.
    pool = await service_pool(
        dsn,
        size=_POOL_MAX_SIZE,
        application_name="ioc-ingest",
        timeout=_DB_TIMEOUT_SECONDS,
        command_timeout=_DB_TIMEOUT_SECONDS,
    )
    return pool


@asynccontextmanager
async def open_services(
    settings: IngestSettings,
    metrics: IngestMetrics,
    *,
    kafka: KafkaSettings,
    monotonic: Clock = time.monotonic,
    now: WallClock = utc_now,
) -> AsyncIterator[IngestServices]:
    pool = await open_pool(settings.database_url.get_secret_value())
    # Requests never wait on the catalog: they screen with the rules last read.
    catalog = CatalogCache(
        pool,
        read_catalog_rules,
        refresh_seconds=settings.ingest_catalog_refresh_seconds,
        timeout_seconds=_DB_TIMEOUT_SECONDS,
        on_failure=metrics.catalog_refresh_failures.inc,
    )
    publisher = KafkaEventPublisher(kafka, topic=settings.ingest_topic)
    audit = AuditLog(pool, timeout_seconds=settings.ingest_db_acquire_timeout_seconds)
    pruning = asyncio.create_task(_prune_audit(audit, settings.ingest_audit_retention_days))
    try:
        await publisher.start()
        await catalog.refresh()
        catalog.start()
        yield IngestServices(
            settings=settings,
            metrics=metrics,
            pool=pool,
            credentials=CredentialDirectory(
                pool,
                cache_seconds=settings.ingest_credential_cache_seconds,
                clock=monotonic,
                acquire_timeout=settings.ingest_db_acquire_timeout_seconds,
            ),
            audit=audit,
            stored_events=StoredEvents(pool, timeout_seconds=_DB_TIMEOUT_SECONDS),
            catalog=catalog,
            publisher=publisher,
            rate_limiter=AgencyRateLimiter(
                rate_per_second=settings.ingest_rate_per_second,
                burst=settings.ingest_rate_burst,
                clock=monotonic,
            ),
            failures=KeyedRateLimiter(
                rate_per_second=settings.ingest_failed_attempts_per_minute / 60,
                burst=settings.ingest_failed_attempts_burst,
                clock=monotonic,
            ),
            now=now,
        )
    finally:
        pruning.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await pruning
        await catalog.stop()
        await publisher.close()
        await pool.close()


async def _prune_audit(audit: AuditLog, keep_days: int) -> None:
    """Keeps the audit trail to its retention, hourly; a failed round waits for the next."""
    while True:
        try:
            removed = await audit.prune(keep_days=keep_days)
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
            _log.warning("audit retention not applied this round: %s", error)
        else:
            if removed:
                _log.info("audit rows past retention removed", extra={"removed": removed})
        await asyncio.sleep(_AUDIT_PRUNE_EVERY_SECONDS)
