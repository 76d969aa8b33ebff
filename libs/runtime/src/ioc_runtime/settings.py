"""Settings every service shares; each service extends this with its own."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from enum import StrEnum
from typing import TypeVar
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


# Values copied from env.example and never changed must not reach production.
_PLACEHOLDER_MARKERS = ("change-me", "changeme", "placeholder")

SettingsT = TypeVar("SettingsT", bound=BaseSettings)


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
    http_stalled_after_seconds: float = Field(
        default=20.0,
        gt=0,
        description="Close an HTTP connection that has had no request under way this long: "
        "one that never sends a request, or whose request head never ends (slowloris).",
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


def settings_error(
    service: str, error: ValidationError, settings_class: type[BaseSettings] | None = None
) -> str:
    """A start-up error that names what is wrong without echoing the values given.

    A missing variable reads `IOC_X is missing: <what it is>` (the field's description,
    so an operator knows which value to find); anything else `IOC_X is invalid: <why>`.
    pydantic's own message repeats each input (`input_value='…'`): a secret that is
    too short would be printed whole.
    """
    prefix = _env_prefix(settings_class)
    fields = settings_class.model_fields if settings_class is not None else {}
    lines = [f"{service}: cannot start, the settings are incomplete or wrong:"]
    for problem in error.errors(include_input=False, include_url=False, include_context=False):
        loc = problem["loc"]
        if not loc:
            lines.append(f"  {problem['msg']}")
            continue
        name = str(loc[0])
        variable = f"{prefix}{'_'.join(str(part) for part in loc)}".upper()
        if problem["type"] == "missing":
            field = fields.get(name)
            what = field.description if field is not None and field.description else name
            lines.append(f"  {variable} is missing: {what}")
        else:
            lines.append(f"  {variable} is invalid: {problem['msg']}")
    return "\n".join(lines)


def load_settings(settings_class: type[SettingsT], service: str) -> SettingsT:
    """The settings from the environment, or exit 2 with `settings_error`'s lines on
    stderr: what an entry point calls, so nobody starts a service to read a traceback."""
    try:
        return settings_class()
    except ValidationError as error:
        print(settings_error(service, error, settings_class), file=sys.stderr)
        raise SystemExit(2) from None


def _env_prefix(settings_class: type[BaseSettings] | None) -> str:
    if settings_class is None:
        return "IOC_"
    return str(settings_class.model_config.get("env_prefix") or "")
