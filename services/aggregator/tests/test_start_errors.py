"""A bad setting stops the aggregator with the variable named, never its value."""

from __future__ import annotations

import os
import subprocess
import sys


def test_a_missing_or_bad_setting_is_named_without_a_traceback_or_secret() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IOC_")}
    env["IOC_AGGREGATOR_MAX_BATCH"] = "s3cret-not-a-number"
    done = subprocess.run(
        [sys.executable, "-m", "ioc_aggregator"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "IOC_DATABASE_URL is missing: DSN of the ioc_writer role" in done.stderr
    assert "IOC_AGGREGATOR_MAX_BATCH is invalid:" in done.stderr
    assert "Traceback" not in done.stderr
    assert "s3cret" not in done.stderr
