"""Database settings, read once at the edge from the environment."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

# The roles of the least-privilege model; each service connects as exactly one.
MIGRATOR = "ioc_migrator"
WRITER = "ioc_writer"
INGEST = "ioc_ingest"
ALERTS = "ioc_alerts"
READER = "ioc_reader"
DERIVED = "ioc_derived"
SERVICE_ROLES: tuple[str, ...] = (MIGRATOR, WRITER, INGEST, ALERTS, READER, DERIVED)
DATABASE_NAME = "ioc"


class DatabaseSettings(BaseSettings):
    """Where the database is and how this process connects to it."""

    model_config = SettingsConfigDict(env_prefix="IOC_", extra="ignore")

    database_url: SecretStr = Field(
        description="DSN of this process's own role, e.g. postgresql://ioc_writer:…@127.0.0.1:5432/ioc",
    )


class BootstrapSettings(BaseSettings):
    """What the one-time bootstrap needs: a superuser and a password per role."""

    model_config = SettingsConfigDict(env_prefix="IOC_", extra="ignore")

    db_superuser_url: SecretStr = Field(description="Superuser DSN, used only to create roles")
    db_password_migrator: SecretStr
    db_password_writer: SecretStr
    db_password_ingest: SecretStr
    db_password_alerts: SecretStr
    db_password_reader: SecretStr
    db_password_derived: SecretStr

    def role_passwords(self) -> dict[str, SecretStr]:
        return {
            MIGRATOR: self.db_password_migrator,
            WRITER: self.db_password_writer,
            INGEST: self.db_password_ingest,
            ALERTS: self.db_password_alerts,
            READER: self.db_password_reader,
            DERIVED: self.db_password_derived,
        }
