"""Under `./dev test` a skipped test fails.

The tests skip, with the reason, when a tool they drive is missing (promtool, the
Prometheus server, kubectl, the docker client or its compose plugin): a developer running
one file by hand gets that answer. `./dev test` installs every one of those first, so
there a skip can only mean a broken install step, and a suite that skipped would pass
without having checked anything; it sets IOC_TESTS_NO_SKIP=1 and a skip becomes a
failure that names the reason.
"""

from __future__ import annotations

import os
from collections.abc import Generator

import pytest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    if os.environ.get("IOC_TESTS_NO_SKIP") != "1" or not report.skipped:
        return
    if hasattr(report, "wasxfail"):
        return  # an expected failure is not a skip
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    reason = reason.removeprefix("Skipped: ")
    report.outcome = "failed"
    report.longrepr = f"skipped under ./dev test, which installs what every test needs: {reason}"
