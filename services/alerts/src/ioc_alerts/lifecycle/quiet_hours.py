"""Quiet hours in Asia/Ho_Chi_Minh time: when a notification may go out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from ioc_contracts.status import Severity
from ioc_contracts.types import VIETNAM_TIME

# An old name, still read by adapters/alerts/store.py; everything else uses VIETNAM_TIME.
VIETNAM = VIETNAM_TIME


@dataclass(frozen=True, slots=True)
class QuietHours:
    """A nightly window (it may cross midnight) in Vietnam time; critical may bypass it."""

    start: time = time(21, 30)
    end: time = time(6, 30)
    critical_bypasses: bool = True

    def release_time(self, now: datetime, severity: Severity) -> datetime:
        """`now` if a notification may go now, else the end of the quiet window (UTC-aware)."""
        if severity is Severity.CRITICAL and self.critical_bypasses:
            return now
        local = now.astimezone(VIETNAM_TIME)
        clock = local.time()
        crosses_midnight = self.start > self.end
        quiet = (
            (clock >= self.start or clock < self.end)
            if crosses_midnight
            else (self.start <= clock < self.end)
        )
        if not quiet or self.start == self.end:
            return now
        end_day = local.date()
        if crosses_midnight and clock >= self.start:
            end_day += timedelta(days=1)
        release = datetime.combine(end_day, self.end, tzinfo=VIETNAM_TIME)
        return release.astimezone(now.tzinfo)
