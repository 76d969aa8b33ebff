"""Operator accounts and their personal API tokens: create, change, list, revoke.

A token reads `iocop_<prefix>_<secret>` (a scheme apart from agencies' `ioc_` keys, so
one is never mistaken for the other). As for agency keys (see `credentials`), only the
SHA-256 of the whole token is stored: the secret is 32 random bytes, nothing to guess.
The token is returned once, at creation, and never logged.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import asyncpg

from ioc_storage.connection import Connection
from ioc_storage.credentials import SecretFormat, hash_api_key

TOKEN_SCHEME = "iocop"  # noqa: S105 (the tokens' visible scheme, not a secret)
OPERATOR_TOKENS = SecretFormat(TOKEN_SCHEME)
_NAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9._-]{1,62}")
_PREFIX_ATTEMPTS = 5


class Role(StrEnum):
    VIEWER = "viewer"
    OPERATOR = "operator"
    ADMIN = "admin"

    def allows(self, needed: Role) -> bool:
        """Each role can do what the roles below it can."""
        order = list(Role)
        return order.index(self) >= order.index(needed)


class OperatorError(RuntimeError):
    """An account or token could not be changed; nothing was changed."""


@dataclass(frozen=True, slots=True)
class OperatorAccount:
    name: str
    display_name: str
    role: Role
    created_at: datetime
    disabled_at: datetime | None

    @property
    def active(self) -> bool:
        return self.disabled_at is None


@dataclass(frozen=True, slots=True)
class IssuedOperatorToken:
    """A new token. `token` is the only copy of the secret: show it once."""

    id: uuid.UUID
    operator: str
    token_prefix: str
    token: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class OperatorTokenInfo:
    id: uuid.UUID
    operator: str
    token_prefix: str
    created_at: datetime
    revoked_at: datetime | None
    comment: str | None


def hash_operator_token(token: str) -> str:
    return hash_api_key(token)


def token_prefix_of(token: str) -> str | None:
    """The prefix of a well-formed token, or None: garbage never reaches the database."""
    return OPERATOR_TOKENS.prefix_of(token)


async def create_operator(
    connection: Connection, *, name: str, display_name: str, role: Role
) -> OperatorAccount:
    if not _NAME_PATTERN.fullmatch(name):
        raise OperatorError(
            f"invalid account name {name!r}: 2 to 63 lowercase letters, digits, '.', '_' or '-'"
        )
    if not 1 <= len(display_name.strip()) <= 200:
        raise OperatorError("the display name must have 1 to 200 characters")
    try:
        async with connection.transaction():
            row = await connection.fetchrow(
                "INSERT INTO ioc.operators (name, display_name, role) VALUES ($1, $2, $3) "
                "RETURNING name, display_name, role, created_at, disabled_at",
                name,
                display_name.strip(),
                role.value,
            )
    except asyncpg.UniqueViolationError as error:
        raise OperatorError(f"an account named {name!r} exists already") from error
    assert row is not None  # INSERT … RETURNING
    return _account(row)


async def set_role(connection: Connection, *, name: str, role: Role) -> OperatorAccount:
    row = await connection.fetchrow(
        "UPDATE ioc.operators SET role = $2 WHERE name = $1 RETURNING name, display_name, role, created_at, disabled_at",
        name,
        role.value,
    )
    if row is None:
        raise OperatorError(f"no account named {name!r}")
    return _account(row)


async def disable_operator(connection: Connection, *, name: str) -> OperatorAccount:
    """Disables the account and revokes its tokens, in one transaction."""
    async with connection.transaction():
        row = await connection.fetchrow(
            "UPDATE ioc.operators SET disabled_at = COALESCE(disabled_at, now()) "
            "WHERE name = $1 RETURNING name, display_name, role, created_at, disabled_at",
            name,
        )
        if row is None:
            raise OperatorError(f"no account named {name!r}")
        await connection.execute(
            "UPDATE ioc.operator_tokens SET revoked_at = now() "
            "WHERE operator = $1 AND revoked_at IS NULL",
            name,
        )
    return _account(row)


async def list_operators(connection: Connection) -> list[OperatorAccount]:
    rows = await connection.fetch(
        "SELECT name, display_name, role, created_at, disabled_at FROM ioc.operators ORDER BY name"
    )
    return [_account(row) for row in rows]


async def issue_operator_token(
    connection: Connection, *, operator: str, comment: str | None = None
) -> IssuedOperatorToken:
    """A new token for an active account; its other tokens stay valid until revoked."""
    active = await connection.fetchval(
        "SELECT disabled_at IS NULL FROM ioc.operators WHERE name = $1", operator
    )
    if active is None:
        raise OperatorError(f"no account named {operator!r}: create it first")
    if not active:
        raise OperatorError(f"the account {operator!r} is disabled")
    for _ in range(_PREFIX_ATTEMPTS):
        token, prefix = OPERATOR_TOKENS.issue()
        try:
            # A savepoint: a taken prefix must not abort the caller's transaction.
            async with connection.transaction():
                row = await connection.fetchrow(
                    "INSERT INTO ioc.operator_tokens (id, operator, token_prefix, token_hash, "
                    "comment) VALUES ($1, $2, $3, $4, $5) RETURNING id, created_at",
                    uuid.uuid4(),
                    operator,
                    prefix,
                    hash_operator_token(token),
                    comment,
                )
        except asyncpg.UniqueViolationError:
            continue  # a prefix already taken: ~1 in 10^12, try another
        assert row is not None  # INSERT … RETURNING
        return IssuedOperatorToken(
            id=row["id"],
            operator=operator,
            token_prefix=prefix,
            token=token,
            created_at=row["created_at"],
        )
    raise OperatorError("could not find an unused token prefix; try again")


async def revoke_operator_token(connection: Connection, *, prefix: str) -> list[OperatorTokenInfo]:
    """Revokes the active token with this prefix; it stops working at once."""
    rows = await connection.fetch(
        "UPDATE ioc.operator_tokens SET revoked_at = now() "
        "WHERE token_prefix = $1 AND revoked_at IS NULL RETURNING id, operator, token_prefix, created_at, revoked_at, comment",
        prefix,
    )
    return [_token(row) for row in rows]


async def list_operator_tokens(
    connection: Connection, *, operator: str | None = None
) -> list[OperatorTokenInfo]:
    rows = await connection.fetch(
        "SELECT id, operator, token_prefix, created_at, revoked_at, comment FROM ioc.operator_tokens "
        "WHERE $1::text IS NULL OR operator = $1 ORDER BY created_at, token_prefix",
        operator,
    )
    return [_token(row) for row in rows]


def _account(row: asyncpg.Record) -> OperatorAccount:
    return OperatorAccount(
        name=row["name"],
        display_name=row["display_name"],
        role=Role(row["role"]),
        created_at=row["created_at"],
        disabled_at=row["disabled_at"],
    )


def _token(row: asyncpg.Record) -> OperatorTokenInfo:
    return OperatorTokenInfo(
        id=row["id"],
        operator=row["operator"],
        token_prefix=row["token_prefix"],
        created_at=row["created_at"],
        revoked_at=row["revoked_at"],
        comment=row["comment"],
    )
