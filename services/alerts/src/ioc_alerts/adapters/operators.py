"""Who is calling: an operator's account, found by the hash of a personal token."""

from __future__ import annotations

from dataclasses import dataclass

from ioc_storage.audit import Actor, ActorKind
from ioc_storage.connection import Connection
from ioc_storage.operators import Role, hash_operator_token


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller of the operators' API."""

    name: str
    display_name: str
    role: Role
    kind: ActorKind

    @property
    def actor(self) -> Actor:
        return Actor(self.name, self.kind)


async def find_by_token(connection: Connection, token: str) -> Principal | None:
    """The active account holding this unrevoked token, or None.

    Read on every request (an index probe on the hash), so a revoked token or a disabled
    account is refused from the next request on, with no cache to wait out.
    """
    row = await connection.fetchrow(
        "SELECT o.name, o.display_name, o.role FROM ioc.operator_tokens t "
        "JOIN ioc.operators o ON o.name = t.operator "
        "WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND o.disabled_at IS NULL",
        hash_operator_token(token),
    )
    if row is None:
        return None
    return Principal(
        name=row["name"],
        display_name=row["display_name"],
        role=Role(row["role"]),
        kind=ActorKind.OPERATOR,
    )
