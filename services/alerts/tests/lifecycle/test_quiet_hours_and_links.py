from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from ioc_alerts.lifecycle.ack_links import LinkCheck, ack_token, ack_url, check_ack_link
from ioc_alerts.lifecycle.quiet_hours import QuietHours
from ioc_contracts.status import Severity
from ioc_contracts.types import VIETNAM_TIME


@pytest.mark.parametrize(
    ("local", "severity", "released_local"),
    [
        # 23:00 in Vietnam is quiet: a warning waits for 06:30 the next morning.
        (datetime(2023, 7, 10, 23, 0), Severity.WARNING, datetime(2023, 7, 11, 6, 30)),
        # 02:00 is quiet too: released the same morning.
        (datetime(2023, 7, 11, 2, 0), Severity.INFO, datetime(2023, 7, 11, 6, 30)),
        # Daytime: now.
        (datetime(2023, 7, 11, 9, 15), Severity.WARNING, datetime(2023, 7, 11, 9, 15)),
        # Critical bypasses the quiet window.
        (datetime(2023, 7, 10, 23, 0), Severity.CRITICAL, datetime(2023, 7, 10, 23, 0)),
    ],
)
def test_quiet_hours_are_read_in_vietnam_time(
    local: datetime, severity: Severity, released_local: datetime
) -> None:
    now = local.replace(tzinfo=VIETNAM_TIME).astimezone(UTC)
    released = QuietHours().release_time(now, severity)
    assert released.astimezone(VIETNAM_TIME).replace(tzinfo=None) == released_local


def test_an_ack_link_is_bound_to_its_alert_recipient_and_expiry() -> None:
    secret = b"s" * 32
    alert = uuid.uuid4()
    now = datetime(2023, 7, 15, 2, 0, tzinfo=UTC)
    expires_at = now + timedelta(days=3)
    expires = str(int(expires_at.timestamp()))
    token = ack_token(secret, alert, "chu-tich", int(expires))

    def check(*, recipient: str = "chu-tich", e: str | None = expires, t: str = token) -> LinkCheck:
        return check_ack_link(secret, alert, recipient, e, t, now=now)

    assert check() is LinkCheck.VALID
    assert check(recipient="pho-chu-tich") is LinkCheck.INVALID
    assert check(e=str(int(expires) + 86400)) is LinkCheck.INVALID  # lengthened by hand
    assert (
        check_ack_link(b"x" * 32, alert, "chu-tich", expires, token, now=now) is LinkCheck.INVALID
    )
    later = expires_at + timedelta(seconds=1)
    assert check_ack_link(secret, alert, "chu-tich", expires, token, now=later) is LinkCheck.EXPIRED
    url = ack_url(
        "https://ioc.binhduong.example/", secret, alert, "chu-tich", expires_at=expires_at
    )
    assert url == f"https://ioc.binhduong.example/ack/{alert}?r=chu-tich&e={expires}&t={token}"


@pytest.mark.parametrize("token", ["été", "%C3%A9", "\x00", "a" * 5000, "", "🙂" * 10])
@pytest.mark.parametrize("expires", [None, "1700000000", "١٢٣", "9" * 40, "-1", "é"])
def test_any_text_in_a_link_is_just_not_valid(token: str, expires: str | None) -> None:
    now = datetime(2023, 7, 15, tzinfo=UTC)
    assert check_ack_link(b"s" * 32, uuid.uuid4(), "chủ-tịch", expires, token, now=now) is (
        LinkCheck.INVALID
    )
