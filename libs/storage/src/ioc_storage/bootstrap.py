"""Creates the database, the TimescaleDB extension and the service roles.

This is the only step that needs a superuser. Everything after it (migrations,
catalog loads, the services) runs as an ordinary role.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import unicodedata

import asyncpg
from pydantic import SecretStr

from ioc_storage.connection import Connection
from ioc_storage.settings import DATABASE_NAME, MIGRATOR


def _quote_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


SCRAM_ITERATIONS = 4096  # PostgreSQL's own default (scram_iterations)


def scram_verifier(password: str, *, salt: bytes | None = None) -> str:
    """The SCRAM-SHA-256 verifier PostgreSQL stores for `password` (RFC 5802, RFC 7677).

    Sent instead of the password, as psql's \\password does: a server logging DDL
    (`log_statement=ddl`) or a failed statement logs the verifier, which cannot be used
    to log in, never the password. NFKC stands in for SASLprep, which it equals for the
    printable passwords the environment holds.
    """
    salt = salt if salt is not None else os.urandom(16)
    normalised = unicodedata.normalize("NFKC", password).encode("utf-8")
    salted = hashlib.pbkdf2_hmac("sha256", normalised, salt, SCRAM_ITERATIONS)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()

    def b64(raw: bytes) -> str:
        return base64.b64encode(raw).decode("ascii")

    return f"SCRAM-SHA-256${SCRAM_ITERATIONS}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"


async def ensure_roles(connection: Connection, passwords: dict[str, SecretStr]) -> None:
    """Creates each role once, and resets its password on every run (rotation)."""
    for role, password in passwords.items():
        exists = await connection.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", role)
        verb = "ALTER" if exists else "CREATE"
        # Utility statements take no bind parameters; the role names are our own
        # constants and the verifier is quoted as a literal.
        verifier = scram_verifier(password.get_secret_value())
        await connection.execute(
            f'{verb} ROLE "{role}" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE '
            f"NOINHERIT NOREPLICATION PASSWORD {_quote_literal(verifier)}"
        )


async def ensure_database(connection: Connection) -> None:
    exists = await connection.fetchval(
        "SELECT 1 FROM pg_database WHERE datname = $1", DATABASE_NAME
    )
    if not exists:
        await connection.execute(
            f'CREATE DATABASE "{DATABASE_NAME}" OWNER "{MIGRATOR}" ENCODING \'UTF8\' TEMPLATE template0'
        )
    await connection.execute(f'REVOKE ALL ON DATABASE "{DATABASE_NAME}" FROM PUBLIC')
    roles = await connection.fetch("SELECT rolname FROM pg_roles WHERE rolname LIKE 'ioc\\_%'")
    for row in roles:
        await connection.execute(
            f'GRANT CONNECT ON DATABASE "{DATABASE_NAME}" TO "{row["rolname"]}"'
        )


async def ensure_extension(connection: Connection) -> str:
    """TimescaleDB is not a trusted extension, so the superuser creates it."""
    await connection.execute("CREATE EXTENSION IF NOT EXISTS timescaledb")
    await connection.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
    version: str = await connection.fetchval(
        "SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'"
    )
    return version


async def bootstrap(superuser_dsn: str, passwords: dict[str, SecretStr]) -> str:
    """Returns the TimescaleDB version installed in the IOC database."""
    server = await asyncpg.connect(superuser_dsn)
    try:
        await ensure_roles(server, passwords)
        await ensure_database(server)
    finally:
        await server.close()
    database = await asyncpg.connect(superuser_dsn, database=DATABASE_NAME)
    try:
        return await ensure_extension(database)
    finally:
        await database.close()
