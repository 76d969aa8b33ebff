"""Email over SMTP: plain text and HTML alternatives, the chart inline.

Message shape: multipart/alternative of text/plain and a multipart/related holding
the text/html and the chart (image/png, Content-ID <chart>, filename chart.png), so
clients that show HTML place the chart where the HTML says `cid:chart` and the rest
offer it as an attachment. Headers are UTF-8 (RFC 2047 encoded words), so the
Vietnamese subject survives any server.

SMTP replies decide the outcome: 4xx (421, 450, 451, 452) are the server asking us
to come back later → retryable; 5xx (550, 553, 554, 535 …) will not change →
permanent; no connection, a timeout or a dropped connection → retryable.
"""

from __future__ import annotations

import email.policy
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

import aiosmtplib
from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

from ioc_alerts.messages.layout import CHART_CID
from ioc_alerts.notify.delivery import DeliveryResult, OutgoingMessage
from ioc_contracts.catalog import Recipient


class SmtpSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    host: str = Field(description="SMTP server.")
    port: int = Field(default=587, gt=0, lt=65536)
    starttls: bool = Field(default=True, description="Upgrade with STARTTLS (port 587).")
    tls: bool = Field(default=False, description="TLS from the first byte (port 465).")
    username: str | None = None
    password: SecretStr | None = None
    from_address: str = Field(pattern=r"^[^@\s]+@[^@\s]+$")
    from_name: str = "IOC Bình Dương"
    timeout_seconds: float = Field(default=20.0, gt=0, le=300)
    validate_certs: bool = True

    @model_validator(mode="after")
    def _one_tls_mode(self) -> SmtpSettings:
        if self.tls and self.starttls:
            raise ValueError("choose either tls (implicit) or starttls, not both")
        if (self.username is None) != (self.password is None):
            raise ValueError("username and password go together")
        return self


def build_email(
    recipient: Recipient, message: OutgoingMessage, settings: SmtpSettings, *, now: datetime
) -> EmailMessage:
    """The MIME message for one recipient (pure, so its shape is tested without a server)."""
    if recipient.email is None:
        raise ValueError(f"recipient {recipient.id} has no email address")
    rendered = message.rendered
    email = EmailMessage()
    email["Subject"] = rendered.subject
    email["From"] = Address(settings.from_name, addr_spec=settings.from_address)
    email["To"] = Address(recipient.name, addr_spec=recipient.email)
    email["Date"] = format_datetime(now.astimezone(UTC))
    # The notification id makes the Message-ID stable across retries, so a retry after
    # an ambiguous failure is recognisable as the same message downstream.
    domain = settings.from_address.rsplit("@", 1)[1]
    email["Message-ID"] = f"<{message.notification_id}@{domain}>"
    email["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies
    email["X-IOC-Notification-Id"] = message.notification_id
    if message.alert_id:
        email["X-IOC-Alert-Id"] = message.alert_id
    email["Content-Language"] = message.language.value
    email.set_content(rendered.text)
    email.add_alternative(rendered.html, subtype="html")
    if message.chart_png:
        html_part = next(
            part for part in email.iter_parts() if part.get_content_type() == "text/html"
        )
        html_part.add_related(
            message.chart_png,
            maintype="image",
            subtype="png",
            cid=f"<{CHART_CID}>",
            filename="chart.png",
            disposition="inline",
        )
    return email


# Python 3.11's header folder can drop the space between two encoded words when it
# splits a long non-ASCII Subject ("Tài nguyên" arrives as "Tàinguyên"). Folding at
# the RFC 5322 line limit instead of 78 keeps each Vietnamese subject in one piece.
_WIRE_POLICY = email.policy.SMTP.clone(max_line_length=998)


def wire_bytes(message: EmailMessage) -> bytes:
    """The message as sent: CRLF line ends, headers folded without the 3.11 bug."""
    return message.as_bytes(policy=_WIRE_POLICY)


class EmailChannel:
    name = "email"

    def __init__(self, settings: SmtpSettings):
        self._settings = settings

    async def send(self, recipient: Recipient, message: OutgoingMessage) -> DeliveryResult:
        if recipient.email is None:
            return DeliveryResult.permanent(None, f"recipient {recipient.id} has no email address")
        settings = self._settings
        try:
            email = build_email(recipient, message, settings, now=datetime.now(UTC))
        except (ValueError, TypeError, IndexError) as error:
            # An address the catalog let through but the email library cannot write
            # (say, a display name or domain it rejects): the same every time.
            return DeliveryResult.permanent(None, f"cannot write this email: {error}")
        try:
            _, reply = await aiosmtplib.send(
                wire_bytes(email),
                sender=settings.from_address,
                recipients=[recipient.email],
                hostname=settings.host,
                port=settings.port,
                username=settings.username,
                password=settings.password.get_secret_value() if settings.password else None,
                use_tls=settings.tls,
                start_tls=settings.starttls,
                validate_certs=settings.validate_certs,
                timeout=settings.timeout_seconds,
            )
        except aiosmtplib.SMTPRecipientsRefused as refused:
            codes = [error.code for error in refused.recipients]
            return _by_reply_code(codes[0] if codes else None, str(refused))
        except aiosmtplib.SMTPResponseException as error:
            return _by_reply_code(error.code, error.message)
        except (
            aiosmtplib.SMTPConnectError,
            aiosmtplib.SMTPTimeoutError,
            aiosmtplib.SMTPServerDisconnected,
            OSError,
            TimeoutError,
        ) as error:
            return DeliveryResult.retryable(None, f"{type(error).__name__}: {error}")
        except aiosmtplib.SMTPException as error:
            # What is left is the server lacking what our settings require (STARTTLS,
            # AUTH, SMTPUTF8): a setup problem that retrying will not fix.
            return DeliveryResult.permanent(None, f"{type(error).__name__}: {error}")
        return DeliveryResult.sent(250, reply)


def _by_reply_code(code: int | None, text: str) -> DeliveryResult:
    detail = f"SMTP {code}: {text}" if code is not None else text
    if code is not None and 500 <= code < 600:
        return DeliveryResult.permanent(code, detail)
    # 4xx, and anything unexpected, is worth another try.
    return DeliveryResult.retryable(code, detail)
