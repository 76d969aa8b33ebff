"""Signed acknowledgement links: whoever holds the link may acknowledge that alert, for a while.

The token is an HMAC of the alert id, the recipient and the link's expiry, so a link
cannot be altered to acknowledge another alert, to name someone else or to live
longer, and nothing has to be stored to check it. A link expires (a forwarded or
archived mail should not acknowledge an alert weeks later); the newest message about
an alert always carries a fresh one.

Everything that arrives in the URL is untrusted text: it is compared as bytes, so a
token of any characters is simply not valid (never an error).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime
from enum import StrEnum
from urllib.parse import urlencode
from uuid import UUID


class LinkCheck(StrEnum):
    VALID = "valid"
    EXPIRED = "expired"
    INVALID = "invalid"


def _mac(secret: bytes, alert_id: UUID, recipient: str, expires: int | None) -> bytes:
    signed = f"{alert_id}|{recipient}" if expires is None else f"{alert_id}|{recipient}|{expires}"
    digest = hmac.new(secret, signed.encode("utf-8", "replace"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:20]).rstrip(b"=")


def ack_token(secret: bytes, alert_id: UUID, recipient: str, expires: int) -> str:
    return _mac(secret, alert_id, recipient, expires).decode("ascii")


def _same(expected: bytes, presented: str) -> bool:
    return hmac.compare_digest(expected, presented.encode("utf-8", "replace"))


def check_ack_link(
    secret: bytes, alert_id: UUID, recipient: str, expires: str | None, token: str, *, now: datetime
) -> LinkCheck:
    """Whether a link is ours, and still good at `now`."""
    if expires is None:
        # Sent before links expired: ours if the old signature holds, and expired now.
        return (
            LinkCheck.EXPIRED
            if _same(_mac(secret, alert_id, recipient, None), token)
            else LinkCheck.INVALID
        )
    if not (expires.isascii() and expires.isdigit() and len(expires) <= 12):
        return LinkCheck.INVALID
    if not _same(_mac(secret, alert_id, recipient, int(expires)), token):
        return LinkCheck.INVALID
    return LinkCheck.VALID if now.timestamp() < int(expires) else LinkCheck.EXPIRED


def ack_query(secret: bytes, alert_id: UUID, recipient: str, expires_at: datetime) -> str:
    expires = int(expires_at.astimezone(UTC).timestamp())
    return urlencode(
        {"r": recipient, "e": expires, "t": ack_token(secret, alert_id, recipient, expires)}
    )


def ack_url(
    base_url: str, secret: bytes, alert_id: UUID, recipient: str, *, expires_at: datetime
) -> str:
    return f"{base_url.rstrip('/')}/ack/{alert_id}?{ack_query(secret, alert_id, recipient, expires_at)}"
