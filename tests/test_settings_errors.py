"""Each service started without a required variable says which one and what it is,
in one line, and exits 2: no pydantic traceback to read.

Run as the processes themselves (`python -m ioc_x`), with the variable unset, as an
operator would meet it.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from pydantic import SecretStr, ValidationError

from ioc_runtime import ServiceSettings, settings_error

SERVICES = {
    "ioc_ingest": "IOC_DATABASE_URL is missing: DSN of",
    "ioc_aggregator": "IOC_DATABASE_URL is missing: DSN of the ioc_writer role",
    "ioc_alerts": "IOC_DATABASE_URL is missing: DSN of",
    "ioc_derived": "IOC_DATABASE_URL is missing: DSN of the ioc_writer role",
}


@pytest.mark.parametrize("module", sorted(SERVICES))
def test_a_service_without_its_database_says_so_and_exits_2(module: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IOC_")}
    # Ports nobody listens on: if the check failed, the service would not bind a used one.
    env["IOC_HTTP_PORT"] = "1"
    done = subprocess.run(
        [sys.executable, "-m", module], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2, done.stderr
    assert SERVICES[module] in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    assert "pydantic" not in done.stderr.lower()


def test_a_wrong_value_is_named_and_never_echoed() -> None:
    class Strict(ServiceSettings):
        api_token: SecretStr = SecretStr("x")
        port: int = 1

    with pytest.raises(ValidationError) as caught:
        Strict.model_validate({"port": "secret-ish-value-123"})
    text = settings_error("alerts", caught.value, Strict)
    assert "IOC_PORT is invalid:" in text
    assert "secret-ish-value-123" not in text


def test_a_missing_value_without_a_description_is_named_by_its_field() -> None:
    class Bare(ServiceSettings):
        # A name no environment sets (`./dev test` exports the runner's IOC_* settings).
        bare_secret: SecretStr

    with pytest.raises(ValidationError) as caught:
        Bare.model_validate({})
    assert "IOC_BARE_SECRET is missing: bare_secret" in settings_error("x", caught.value, Bare)
