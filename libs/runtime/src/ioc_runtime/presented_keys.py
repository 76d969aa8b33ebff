"""Every credential a request presents, however many times its headers are repeated.

FastAPI's security schemes read the first `Authorization` (and the first `X-API-Key`)
and ignore the rest, while a proxy in front may check the last: two different keys in
one request are refused, not chosen between, by each service in its own words.
"""

from __future__ import annotations

from fastapi import Request


def presented_keys(request: Request, *, key_header: str | None = None) -> set[str]:
    """The distinct keys of every `Authorization: Bearer …` header and, when given, every
    `key_header` header; a header of another scheme presents nothing."""
    keys = set()
    for authorization in request.headers.getlist("authorization"):
        scheme, _, credentials = authorization.partition(" ")
        if scheme.lower() == "bearer" and credentials.strip():
            keys.add(credentials.strip())
    if key_header is not None:
        keys.update(v.strip() for v in request.headers.getlist(key_header) if v.strip())
    return keys
