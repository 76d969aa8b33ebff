"""Settings every service shares; each service extends this with its own."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


# Values copied from env.example and never changed must not reach production.
_PLACEHOLDER_MARKERS = ("change-me", "changeme", "placeholder")


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="IOC_", extra="ignore")

    env: Environment = Field(default=Environment.DEVELOPMENT)
    log_level: str = Field(default="INFO", pattern=r"^(DEBUG|INFO|WARNING|ERROR)$")
    kafka_bootstrap_servers: str = Field(default="127.0.0.1:9092")

    @model_validator(mode="after")
    def _no_placeholders_in_production(self) -> ServiceSettings:
        if self.env is not Environment.PRODUCTION:
            return self
        for name, value in self:
            text = value.get_secret_value() if isinstance(value, SecretStr) else str(value)
            if any(marker in text.lower() for marker in _PLACEHOLDER_MARKERS):
                raise ValueError(f"IOC_{name.upper()} still holds a placeholder value")
        return self
