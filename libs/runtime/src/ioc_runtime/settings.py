"""Settings every service shares; each service extends this with its own."""

from __future__ import annotations

from collections.abc import Iterator
from enum import StrEnum
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, model_validator
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
    metrics_port: int | None = Field(
        default=None,
        ge=1,
        le=65535,
        description="Serve /metrics on this port only (not on the public one).",
    )
    metrics_host: str = Field(default="0.0.0.0", description="Address of the metrics port.")  # noqa: S104
    metrics_token: SecretStr | None = Field(
        default=None,
        min_length=16,
        description="Require 'Authorization: Bearer <token>' for /metrics on the public port.",
    )
    forwarded_allow_ips: str = Field(
        default="127.0.0.1",
        description="Proxies (addresses or networks, comma-separated, '*' for any) whose "
        "X-Forwarded-For is believed: the client address of audit rows and rate limits.",
    )

    @model_validator(mode="after")
    def _no_placeholders_in_production(self) -> ServiceSettings:
        if self.env is not Environment.PRODUCTION:
            return self
        for name, value in self:
            text = value.get_secret_value() if isinstance(value, SecretStr) else str(value)
            if any(marker in text.lower() for marker in _PLACEHOLDER_MARKERS):
                raise ValueError(f"IOC_{name.upper()} still holds a placeholder value")
        return self

    def secret_values(self) -> Iterator[str]:
        """Every secret this process holds, for the redaction policy: the values of its
        `SecretStr` settings, and the password inside any of them that is a DSN."""
        for _, value in self:
            if not isinstance(value, SecretStr):
                continue
            text = value.get_secret_value()
            yield text
            try:
                password = urlsplit(text).password
            except ValueError:
                password = None
            if password:
                yield password


def settings_error(service: str, error: ValidationError) -> str:
    """A start-up error that names what is wrong without echoing the values given.

    pydantic's own message repeats each input (`input_value='…'`): a secret that is
    too short would be printed whole.
    """
    lines = [f"{service}: invalid settings:"]
    for problem in error.errors(include_input=False, include_url=False, include_context=False):
        where = ".".join(str(part) for part in problem["loc"]) or "settings"
        variable = f"IOC_{where.upper()}" if problem["loc"] else where
        lines.append(f"  {variable}: {problem['msg']}")
    return "\n".join(lines)
