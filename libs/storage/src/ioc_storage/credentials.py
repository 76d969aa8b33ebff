"""Agency API keys: issue, list and revoke them; hash them the one way ingest checks them.

A key reads `ioc_<prefix>_<secret>`. The prefix (8 lowercase letters and digits) is not
secret: it names the key in listings, audit records and `revoke --prefix`, so an
operator can tell keys apart without ever seeing one again. Only the SHA-256 of the
whole key is stored.

Why a fast hash is enough here: slow, salted hashes (bcrypt, argon2) exist to protect
passwords people choose, which are guessable. The secret is 32 random bytes from
`secrets`, so there is nothing to guess and no dictionary to precompute; SHA-256 keeps
the lookup an index probe on `key_hash`, which ingest does for every request.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import string
import uuid
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from ioc_storage.connection import Connection

KEY_SCHEME = "ioc"
PREFIX_LENGTH = 8
PREFIX_ALPHABET = string.ascii_lowercase + string.digits
# A fresh prefix colliding with an existing one is a ~1 in 10^12 event; a few retries
# turn "practically never" into "never" without a unique index on the column.
_PREFIX_ATTEMPTS = 5


class SecretFormat:
    """The one shape of the secrets IOC monitor issues, `<scheme>_<prefix>_<secret>`:
    agencies' API keys and operators' tokens differ by their scheme only."""

    def __init__(self, scheme: str) -> None:
        self.scheme = scheme
        # token_urlsafe(32) gives 43 characters; a longer secret stays valid should that
        # grow. Matched with fullmatch(): a "$" anchor would let a trailing newline through.
        self._pattern = re.compile(
            rf"{re.escape(scheme)}_(?P<prefix>[a-z0-9]{{{PREFIX_LENGTH}}})"
            r"_(?P<secret>[A-Za-z0-9_-]{32,128})"
        )

    def new(self) -> str:
        """A fresh random secret of this scheme (not stored anywhere yet)."""
        prefix = "".join(secrets.choice(PREFIX_ALPHABET) for _ in range(PREFIX_LENGTH))
        return f"{self.scheme}_{prefix}_{secrets.token_urlsafe(32)}"

    def prefix_of(self, text: str) -> str | None:
        """The prefix of a well-formed secret, or None when `text` is not shaped like one:
        garbage in a header never reaches the database."""
        match = self._pattern.fullmatch(text)
        return match["prefix"] if match else None

    def issue(self) -> tuple[str, str]:
        """A fresh secret and its prefix."""
        secret = self.new()
        prefix = self.prefix_of(secret)
        assert prefix is not None  # `new` builds secrets of the checked shape
        return secret, prefix


API_KEYS = SecretFormat(KEY_SCHEME)


class CredentialError(RuntimeError):
    """An API key could not be issued or revoked; nothing was changed."""


@dataclass(frozen=True, slots=True)
class IssuedApiKey:
    """A newly created key. `key` is the only copy of the secret: show it once."""

    id: uuid.UUID
    agency: str
    key_prefix: str
    key: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ApiKeyInfo:
    """What is known about a stored key: everything but the secret."""

    id: uuid.UUID
    agency: str
    key_prefix: str
    created_at: datetime
    revoked_at: datetime | None
    comment: str | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def hash_api_key(key: str) -> str:
    """The value stored in `ioc.agency_credentials.key_hash`: SHA-256 hex of the whole key."""
    return hashlib.sha256(key.encode()).hexdigest()


def key_prefix_of(key: str) -> str | None:
    """The prefix of a well-formed key, or None (ingest checks the shape first)."""
    return API_KEYS.prefix_of(key)


def new_api_key() -> str:
    """A fresh random key (not stored anywhere yet)."""
    return API_KEYS.new()


async def create_api_key(
    connection: Connection, *, agency: str, comment: str | None = None
) -> IssuedApiKey:
    """Issues a key for `agency`; older keys stay valid until revoked (rotation)."""
    known = await connection.fetchval("SELECT 1 FROM ioc.agencies WHERE code = $1", agency)
    if not known:
        raise CredentialError(f"unknown agency {agency!r}: load the catalog that defines it first")
    for _ in range(_PREFIX_ATTEMPTS):
        key, prefix = API_KEYS.issue()
        taken = await connection.fetchval(
            "SELECT 1 FROM ioc.agency_credentials WHERE key_prefix = $1", prefix
        )
        if taken:
            continue
        row = await connection.fetchrow(
            "INSERT INTO ioc.agency_credentials (id, agency, key_prefix, key_hash, comment) "
            "VALUES ($1, $2, $3, $4, $5) RETURNING id, created_at",
            uuid.uuid4(),
            agency,
            prefix,
            hash_api_key(key),
            comment,
        )
        assert row is not None  # INSERT … RETURNING returns the row it wrote
        return IssuedApiKey(
            id=row["id"],
            agency=agency,
            key_prefix=prefix,
            key=key,
            created_at=row["created_at"],
        )
    raise CredentialError("could not find an unused key prefix; try again")


async def revoke_api_key(connection: Connection, *, prefix: str) -> list[ApiKeyInfo]:
    """Revokes the active key(s) with this prefix; returns what was revoked (maybe none).

    Ingest caches a positive lookup briefly, so a revoked key stops working within
    that cache's lifetime (30 s by default), not at this instant.
    """
    rows = await connection.fetch(
        "UPDATE ioc.agency_credentials SET revoked_at = now() "
        "WHERE key_prefix = $1 AND revoked_at IS NULL "
        "RETURNING id, agency, key_prefix, created_at, revoked_at, comment",
        prefix,
    )
    return [_info(row) for row in rows]


async def list_api_keys(connection: Connection, *, agency: str | None = None) -> list[ApiKeyInfo]:
    """Every key (active and revoked), oldest first, optionally of one agency."""
    rows = await connection.fetch(
        "SELECT id, agency, key_prefix, created_at, revoked_at, comment "
        "FROM ioc.agency_credentials WHERE $1::text IS NULL OR agency = $1 "
        "ORDER BY created_at, key_prefix",
        agency,
    )
    return [_info(row) for row in rows]


def _info(row: asyncpg.Record) -> ApiKeyInfo:
    return ApiKeyInfo(
        id=row["id"],
        agency=row["agency"],
        key_prefix=row["key_prefix"],
        created_at=row["created_at"],
        revoked_at=row["revoked_at"],
        comment=row["comment"],
    )
