"""The versions pinned in pyproject.toml are the ones installed, and nothing is unpinned."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import pin_dependencies  # noqa: E402

LOCK = """
version = 1
[[package]]
name = "aiokafka"
version = "0.14.0"
source = { registry = "https://index.example/simple" }

[[package]]
name = "ioc-contracts"
version = "0.1.0"
source = { editable = "libs/contracts" }
"""


def test_every_locked_package_is_pinned_at_its_locked_version() -> None:
    # uv.lock is made by `./dev` from the pins; a dependency added to a package without
    # `tools/pin_dependencies.py` being run would resolve freely and show up here.
    assert (ROOT / "uv.lock").exists(), "run ./dev test (it makes uv.lock) before pytest"
    assert pin_dependencies.main(["--check"]) == 0


def test_workspace_members_are_not_pinned_and_the_index_is_not_written() -> None:
    locked = pin_dependencies.locked_versions(LOCK)
    assert locked == {"aiokafka": "0.14.0"}
    block = pin_dependencies.render(locked)
    assert '"aiokafka==0.14.0",' in block
    assert "index.example" not in block


def test_pins_round_trip_through_pyproject_text() -> None:
    text = f"[tool.uv]\npackage = false\n{pin_dependencies.BEGIN}\n{pin_dependencies.END}\n"
    written = pin_dependencies.with_pins(text, {"b": "2", "a": "1.0"})
    assert pin_dependencies.pinned_versions(written) == {"a": "1.0", "b": "2"}
    assert written.index('"a==1.0"') < written.index('"b==2"')  # sorted, stable diffs
    with pytest.raises(ValueError, match="pins: begin"):
        pin_dependencies.with_pins("[tool.uv]\n", {"a": "1"})
