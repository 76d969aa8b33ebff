"""Signed acknowledgement links: whoever holds the link may acknowledge that alert.

The token is an HMAC of the alert id and the recipient, so a link cannot be
altered to acknowledge another alert or to name someone else, and nothing has
to be stored to check it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import quote
from uuid import UUID


def _mac(secret: bytes, alert_id: UUID, recipient: str) -> str:
    digest = hmac.new(secret, f"{alert_id}|{recipient}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:20]).decode().rstrip("=")


def ack_token(secret: bytes, alert_id: UUID, recipient: str) -> str:
    return _mac(secret, alert_id, recipient)


def verify_ack_token(secret: bytes, alert_id: UUID, recipient: str, token: str) -> bool:
    return hmac.compare_digest(_mac(secret, alert_id, recipient), token)


def ack_url(base_url: str, secret: bytes, alert_id: UUID, recipient: str) -> str:
    token = ack_token(secret, alert_id, recipient)
    return f"{base_url.rstrip('/')}/ack/{alert_id}?r={quote(recipient)}&t={token}"
