"""Role passwords are set as SCRAM verifiers: the statement never holds the password."""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

import asyncpg
import pytest
from pydantic import SecretStr

from ioc_storage.bootstrap import ensure_roles, scram_verifier

pytestmark = pytest.mark.connected


def test_the_verifier_has_postgresql_s_shape_and_never_the_password() -> None:
    verifier = scram_verifier("mật-khẩu-0123456789", salt=b"0123456789abcdef")
    assert verifier.startswith("SCRAM-SHA-256$4096:MDEyMzQ1Njc4OWFiY2RlZg==$")
    assert "mật-khẩu" not in verifier
    assert scram_verifier("x", salt=b"s" * 16) == scram_verifier("x", salt=b"s" * 16)


async def test_a_role_logs_in_with_the_password_its_verifier_was_made_from(
    superuser_dsn: str, role_dsns: dict[str, str]
) -> None:
    # The cluster's TCP port as the runner set it (IOC_PG_PORT moves it in CI).
    port = urlsplit(role_dsns["migrator"]).port
    role = f"ioc_bootstrap_test_{uuid.uuid4().hex[:10]}"
    password = f"pw-{uuid.uuid4().hex}"
    server = await asyncpg.connect(superuser_dsn)
    try:
        await ensure_roles(server, {role: SecretStr(password)})
        await ensure_roles(server, {role: SecretStr(password)})  # rotation path (ALTER)
        stored = await server.fetchval("SELECT rolpassword FROM pg_authid WHERE rolname = $1", role)
        assert stored.startswith("SCRAM-SHA-256$")
        # Over TCP, where the server asks for the password (SCRAM).
        login = await asyncpg.connect(
            host="127.0.0.1", port=port, user=role, password=password, database="postgres"
        )
        await login.close()
        with pytest.raises(asyncpg.InvalidPasswordError):
            await asyncpg.connect(
                host="127.0.0.1", port=port, user=role, password=f"x{password}", database="postgres"
            )
    finally:
        await server.execute(f'DROP ROLE IF EXISTS "{role}"')
        await server.close()
