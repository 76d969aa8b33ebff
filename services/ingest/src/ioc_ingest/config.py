"""Settings of the ingest gateway, read once at the edge (`IOC_*` environment variables)."""

from __future__ import annotations

from pydantic import Field, SecretStr

from ioc_contracts.topics import INDICATOR_EVENTS_TOPIC
from ioc_runtime.settings import Environment, ServiceSettings

MIB = 1024 * 1024


class IngestSettings(ServiceSettings):
    """Everything `python -m ioc_ingest` needs; `IOC_DATABASE_URL` has no default."""

    database_url: SecretStr = Field(
        description="DSN of the ioc_ingest role: it reads API key hashes and the catalog and "
        "appends to the audit log, nothing else.",
    )
    http_host: str = Field(default="127.0.0.1", description="Address to listen on.")
    http_port: int = Field(default=8080, ge=1, le=65535, description="Port to listen on.")
    ingest_topic: str = Field(
        default=INDICATOR_EVENTS_TOPIC,
        min_length=1,
        description="Kafka topic accepted events go to; tests give each run its own.",
    )
    ingest_max_body_bytes: int = Field(
        default=MIB, ge=1024, description="Largest request body, JSON or CSV (413 above)."
    )
    ingest_max_batch: int = Field(
        default=500, ge=1, le=10_000, description="Most events in one JSON request."
    )
    ingest_max_csv_rows: int = Field(
        default=5_000, ge=1, le=100_000, description="Most data rows in one CSV report."
    )
    ingest_max_xlsx_bytes: int = Field(
        default=2 * MIB, ge=1024, description="Largest Excel report file (413 above)."
    )
    ingest_max_xlsx_unpacked_bytes: int = Field(
        default=32 * MIB,
        ge=MIB,
        description="Most bytes an Excel report may unpack to (an .xlsx is a zip of XML): "
        "bounds what a zip bomb can cost; 422 above.",
    )
    ingest_rate_per_second: float = Field(
        default=5.0, gt=0, description="Requests per second each agency may sustain."
    )
    ingest_rate_burst: int = Field(
        default=20, ge=1, description="Requests an agency may send at once after a quiet spell."
    )
    ingest_max_future_seconds: int = Field(
        default=24 * 60 * 60,
        ge=0,
        description="How far past now observed_at and reported_at may lie (clock skew, "
        "time zones); further is a mistake, refused with 422.",
    )
    ingest_docs_enabled: bool | None = Field(
        default=None,
        description="Serve /docs and /redoc; unset means on in development, off in production. "
        "/openapi.json is always served.",
    )
    ingest_publish_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        le=120,
        description="How long a request waits for Kafka to acknowledge its events before "
        "answering 503.",
    )
    ingest_retry_after_seconds: int = Field(
        default=5, ge=1, description="Retry-After sent with 503 answers."
    )
    ingest_catalog_refresh_seconds: float = Field(
        default=30.0, gt=0, description="How often grants and value ranges are re-read."
    )
    ingest_credential_cache_seconds: float = Field(
        default=30.0,
        ge=0,
        description="How long a valid API key is trusted without asking the database: the "
        "most a revoked key can go on working.",
    )

    ingest_failed_attempts_per_minute: float = Field(
        default=10.0,
        gt=0,
        description="Requests without a valid API key each client address may make per "
        "minute on average; past that it is answered 429 before the database is asked.",
    )
    ingest_failed_attempts_burst: int = Field(
        default=20, ge=1, description="Failed attempts an address may make at once."
    )
    ingest_db_acquire_timeout_seconds: float = Field(
        default=2.0,
        gt=0,
        le=60,
        description="Longest a request waits for a database connection before answering 503.",
    )
    ingest_audit_retention_days: int = Field(
        default=365,
        ge=30,
        description="Audit rows older than this are removed (hourly); the database refuses "
        "to remove anything younger than 30 days.",
    )

    @property
    def docs_enabled(self) -> bool:
        if self.ingest_docs_enabled is not None:
            return self.ingest_docs_enabled
        return self.env is Environment.DEVELOPMENT
