"""Reading what the alert service mailed about the paperless-services target."""

from __future__ import annotations

from email.message import EmailMessage

PAPERLESS_TITLE = "100% DVCTT đủ điều kiện không nhận hồ sơ giấy trước 30/9/2023"


def plain_text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None, f"no plain-text part in {message['Subject']!r}"
    return str(part.get_content())


def about_paperless(messages: list[EmailMessage]) -> list[EmailMessage]:
    """The messages about the paperless target: its title alone on a line (the
    departments' targets contain the title too)."""
    return [m for m in messages if f"\n{PAPERLESS_TITLE}\n" in plain_text(m)]
