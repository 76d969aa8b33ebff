"""Who calls the operators' API, and what their role lets them do.

Each operator has a personal token (`ioc-db operator-token create`); the bearer token
resolves to an account and its role: viewer reads, operator also acknowledges and
silences, admin also reads the audit log and the accounts. The actor of every change is
the account, never a name typed in the body.

`IOC_API_TOKEN`, the former shared token, survives only as a bootstrap admin for
development (`./dev up`, tests): the settings refuse it in production, and what it does
is recorded under the actor `bootstrap`, so nothing passes unattributed.

An OIDC login would plug in here: a second resolver that validates the provider's
ID/access token (issuer, audience, signature from its JWKS) and maps a claim to an
account and a role (docs/operations.md).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, Response, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ioc_alerts.adapters import operators
from ioc_alerts.adapters.operators import Principal
from ioc_alerts.api.dependencies import (
    BootstrapTokenDep,
    DatabaseDep,
    FailuresDep,
    bootstrap_token,
)
from ioc_alerts.api.guard import Database, count_failure, refuse_if_failing, same_secret
from ioc_alerts.api.strict_json import StrictJsonRoute
from ioc_runtime.presented_keys import presented_keys
from ioc_storage.audit import ActorKind
from ioc_storage.operators import Role, token_prefix_of

BOOTSTRAP = Principal(
    name="bootstrap",
    display_name="Quản trị khởi tạo (IOC_API_TOKEN)",
    role=Role.ADMIN,
    kind=ActorKind.BOOTSTRAP,
)

_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="OperatorToken",
    description="An operator's personal token: `Authorization: Bearer iocop_…`, issued with "
    "`ioc-db operator-token create --operator NAME`.",
)


async def _resolve(database: Database, bootstrap: str | None, token: str) -> Principal | None:
    if bootstrap is not None and same_secret(bootstrap, token):
        return BOOTSTRAP
    if token_prefix_of(token) is None:
        return None  # not shaped like a token: nothing to look up
    async with database.connection() as connection:
        return await operators.find_by_token(connection, token)


_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="ioc-alerts"'}


async def authenticated(
    request: Request,
    database: DatabaseDep,
    failures: FailuresDep,
    bootstrap: BootstrapTokenDep,
    # Declared for the OpenAPI document; the token is read from every header below.
    _credentials: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)],
) -> Principal:
    known = getattr(request.state, "principal", None)
    if isinstance(known, Principal):
        return known  # checked before the body was read (`AuthenticatedJsonRoute`)
    refuse_if_failing(failures, request)
    # `Authorization` given twice: the scheme above reads the first, a proxy may have
    # checked the other. Two different tokens are nobody's.
    tokens = presented_keys(request)
    if len(tokens) > 1:
        count_failure(failures, request)
        raise HTTPException(
            status_code=401,
            detail="Đã gửi hai mã truy cập khác nhau; chỉ gửi một / "
            "two different tokens were sent; send exactly one",
            headers=_CHALLENGE,
        )
    principal = await _resolve(database, bootstrap, tokens.pop()) if tokens else None
    if principal is None:
        count_failure(failures, request)
        raise HTTPException(
            status_code=401,
            detail="Cần mã truy cập (token) hợp lệ của cán bộ vận hành / "
            "a valid operator token is required",
            headers=_CHALLENGE,
        )
    request.state.principal = principal
    return principal


class AuthenticatedJsonRoute(StrictJsonRoute):
    """A route whose caller is authenticated before its body is read.

    FastAPI reads and parses a route's body before it solves the route's dependencies:
    without a token, a body that was not JSON or named a field twice was answered 422,
    judged, and a stream of bodies was read whole, all before anyone was known. Here the
    token comes first (401, counted as a failed attempt); the route's own dependency
    then finds the caller already known."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def token_first(request: Request) -> Response:
            state = request.app.state
            await authenticated(
                request, state.database, state.failures, await bootstrap_token(state.settings), None
            )
            return await handler(request)

        return token_first


def _requiring(needed: Role) -> Callable[[Principal], Awaitable[Principal]]:
    async def allowed(principal: Annotated[Principal, Depends(authenticated)]) -> Principal:
        if not principal.role.allows(needed):
            raise HTTPException(
                status_code=403,
                detail=f"Tài khoản {principal.name} có vai trò {principal.role.value}, việc này "
                f"cần vai trò {needed.value} / the {needed.value} role is needed, "
                f"{principal.name} is a {principal.role.value}",
            )
        return principal

    return allowed


Viewer = Annotated[Principal, Depends(_requiring(Role.VIEWER))]
Operator = Annotated[Principal, Depends(_requiring(Role.OPERATOR))]
Admin = Annotated[Principal, Depends(_requiring(Role.ADMIN))]
