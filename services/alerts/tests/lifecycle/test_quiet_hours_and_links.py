from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from ioc_alerts.lifecycle.ack_links import ack_token, ack_url, verify_ack_token
from ioc_alerts.lifecycle.quiet_hours import VIETNAM, QuietHours
from ioc_contracts.status import Severity


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
    now = local.replace(tzinfo=VIETNAM).astimezone(UTC)
    released = QuietHours().release_time(now, severity)
    assert released.astimezone(VIETNAM).replace(tzinfo=None) == released_local


def test_an_ack_link_is_bound_to_its_alert_and_recipient() -> None:
    secret = b"k" * 32
    alert = uuid.uuid4()
    token = ack_token(secret, alert, "chu-tich")
    assert verify_ack_token(secret, alert, "chu-tich", token)
    assert not verify_ack_token(secret, alert, "pho-chu-tich", token)
    assert not verify_ack_token(secret, uuid.uuid4(), "chu-tich", token)
    assert not verify_ack_token(b"x" * 32, alert, "chu-tich", token)
    url = ack_url("https://ioc.binhduong.example/", secret, alert, "chu-tich")
    assert url == f"https://ioc.binhduong.example/ack/{alert}?r=chu-tich&t={token}"
