"""`ioc-db operator`, `operator-token`, `api-key` and `load-catalog` as an administrator
runs them: tokens shown once and stored hashed, every change in the audit trail under
the system user who ran the command; figure corrections in the trail from the ledger."""

from __future__ import annotations

import getpass
import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from ioc_storage.operators import Role, hash_operator_token, token_prefix_of
from ioc_testing import ScratchDatabase
from ioc_testing.database import read_rows

pytestmark = pytest.mark.connected


def _ioc_db(database: ScratchDatabase, *arguments: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "IOC_DATABASE_URL": database.dsns["migrator"]}
    env.pop("SUDO_USER", None)
    return subprocess.run(
        [sys.executable, "-m", "ioc_storage.cli", *arguments],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


async def _every_text(database: ScratchDatabase) -> str:
    """Every row of the tables a token could leak into, as text."""
    connection = await asyncpg.connect(database.dsns["migrator"])
    try:
        texts = [
            str(list(row))
            for table in ("operators", "operator_tokens", "audit_log")
            for row in await connection.fetch(f"SELECT * FROM ioc.{table}")
        ]
    finally:
        await connection.close()
    return "\n".join(texts)


async def test_operator_tokens_are_issued_once_stored_hashed_revoked_and_audited(
    catalog_database: ScratchDatabase,
) -> None:
    _ok(
        _ioc_db(
            catalog_database,
            "operator", "create", "--name", "an.nguyen",
            "--display-name", "Nguyễn Văn An (trực ban)", "--role", "operator",
        )
    )  # fmt: skip
    issued = _ioc_db(catalog_database, "operator-token", "create", "--operator", "an.nguyen")
    token = _ok(issued).strip()
    prefix = token_prefix_of(token)
    assert prefix is not None, "stdout holds exactly the token"
    assert token not in issued.stderr
    assert "only this once" in issued.stderr

    stored = await read_rows(
        catalog_database,
        "SELECT o.role FROM ioc.operators o WHERE o.name = 'an.nguyen'",
    )
    assert [row["role"] for row in stored] == [Role.OPERATOR.value]
    connection = await asyncpg.connect(catalog_database.dsns["migrator"])
    try:
        hashes = await connection.fetch(
            "SELECT token_prefix, token_hash FROM ioc.operator_tokens WHERE operator = 'an.nguyen'"
        )
    finally:
        await connection.close()
    assert [(r["token_prefix"], r["token_hash"]) for r in hashes] == [
        (prefix, hash_operator_token(token))
    ]
    secret = token.split("_", 2)[2]  # the secret itself may hold "_"
    assert secret not in await _every_text(catalog_database)

    listing = _ok(_ioc_db(catalog_database, "operator-token", "list"))
    assert prefix in listing
    assert secret not in listing

    _ok(_ioc_db(catalog_database, "operator", "set-role", "--name", "an.nguyen", "--role", "admin"))
    _ok(_ioc_db(catalog_database, "operator-token", "revoke", "--prefix", prefix))
    again = _ioc_db(catalog_database, "operator-token", "revoke", "--prefix", prefix)
    assert again.returncode == 1
    assert "no active operator token" in again.stderr
    unknown = _ioc_db(catalog_database, "operator-token", "create", "--operator", "nobody")
    assert unknown.returncode == 1
    assert "no account named 'nobody'" in unknown.stderr

    second = _ok(_ioc_db(catalog_database, "operator-token", "create", "--operator", "an.nguyen"))
    _ok(_ioc_db(catalog_database, "operator", "disable", "--name", "an.nguyen"))
    connection = await asyncpg.connect(catalog_database.dsns["migrator"])
    try:
        active = await connection.fetchval(
            "SELECT count(*) FROM ioc.operator_tokens t JOIN ioc.operators o "
            "ON o.name = t.operator WHERE t.revoked_at IS NULL OR o.disabled_at IS NULL"
        )
    finally:
        await connection.close()
    assert active == 0, "disabling revokes every token of the account"
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await read_rows(catalog_database, "SELECT token_hash FROM ioc.operator_tokens")
    assert second.strip() != token

    trail = await read_rows(
        catalog_database,
        "SELECT action, actor, actor_kind, subject FROM ioc.audit_trail "
        "WHERE actor_kind = 'cli' ORDER BY log_id",
    )
    me = getpass.getuser()
    assert [(r["action"], r["subject"]) for r in trail] == [
        ("operator.create", "an.nguyen"),
        ("operator_token.create", prefix),
        ("operator.role", "an.nguyen"),
        ("operator_token.revoke", prefix),
        ("operator_token.create", token_prefix_of(second.strip())),
        ("operator.disable", "an.nguyen"),
    ]
    assert {r["actor"] for r in trail} == {me}


async def test_api_key_changes_and_catalog_loads_are_in_the_trail(
    catalog_database: ScratchDatabase,
) -> None:
    key = _ok(_ioc_db(catalog_database, "api-key", "create", "--agency", "so-tttt")).strip()
    prefix = key.split("_")[1]
    _ok(_ioc_db(catalog_database, "api-key", "revoke", "--prefix", prefix))
    _ok(_ioc_db(catalog_database, "load-catalog"))
    trail = await read_rows(
        catalog_database,
        "SELECT action, actor, subject, detail FROM ioc.audit_trail "
        "WHERE actor_kind = 'cli' ORDER BY log_id",
    )
    assert [(r["action"], r["subject"]) for r in trail[:2]] == [
        ("api_key.create", prefix),
        ("api_key.revoke", prefix),
    ]
    assert trail[2]["action"] == "catalog.load"
    assert trail[2]["subject"].endswith("data")
    assert '"targets"' in trail[2]["detail"]
    assert {r["actor"] for r in trail} == {getpass.getuser()}
    assert key.split("_", 2)[2] not in await _every_text(catalog_database)


async def test_a_correction_of_a_figure_is_in_the_trail_and_a_first_report_is_not(
    catalog_database: ScratchDatabase,
) -> None:
    observed = datetime(2023, 3, 31, tzinfo=UTC)
    first, correction, other = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    connection = await asyncpg.connect(catalog_database.dsns["migrator"])
    try:
        await connection.executemany(
            "INSERT INTO ioc.observations (event_id, observed_at, indicator, scope, agency, "
            "value, received_at, revised_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
            [
                (first, observed, "dvc.online-full-rate", "province", "so-tttt", 36.8,
                 observed + timedelta(days=1)),
                (correction, observed, "dvc.online-full-rate", "province", "vp-ubnd", 36.82,
                 observed + timedelta(days=2)),
                (other, observed, "dvc.online-full-rate", "so-tnmt", "so-tnmt", 10.0,
                 observed + timedelta(days=1)),
            ],
        )  # fmt: skip
    finally:
        await connection.close()
    revisions = await read_rows(
        catalog_database,
        "SELECT at, actor, actor_kind, subject, detail FROM ioc.audit_trail "
        "WHERE action = 'figure.revise'",
    )
    assert len(revisions) == 1
    assert revisions[0]["actor"] == "vp-ubnd"
    assert revisions[0]["actor_kind"] == "agency"
    assert revisions[0]["subject"] == "dvc.online-full-rate/province@2023-03-31T00:00:00Z"
    assert str(correction) in revisions[0]["detail"]
