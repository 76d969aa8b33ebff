"""Each workspace package installs alone and imports every module of its own.

In the shared workspace environment every package sees every other, so a service that
imports a library it never declared works here and breaks in its own image. Installing
one package with only what it declares, into an environment of its own, makes that fail.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MEMBERS = sorted(
    path.parent
    for path in [*ROOT.glob("libs/*/pyproject.toml"), *ROOT.glob("services/*/pyproject.toml")]
)

# Imports every module of the named top-level packages, except `__main__` (which would
# run the program), and says which one failed.
IMPORT_ALL = """
import importlib, pkgutil, sys
for top in sys.argv[1:]:
    package = importlib.import_module(top)
    for module in pkgutil.walk_packages(package.__path__, top + "."):
        if module.name.rsplit(".", 1)[-1] == "__main__":
            continue
        try:
            importlib.import_module(module.name)
        except ImportError as error:
            sys.exit(f"{module.name}: {error}")
# A package that reads Kafka reads every codec a producer may use: a record it cannot
# decompress would stop its partition for good.
try:
    import aiokafka.codec as codec
except ImportError:
    pass
else:
    sample = b"IOC monitor " * 100
    for name in ("gzip", "snappy", "lz4", "zstd"):
        if not getattr(codec, f"has_{name}")():
            sys.exit(f"Kafka codec {name} is not installed with {sys.argv[1:]}")
        encoded = getattr(codec, f"{name}_encode")(sample)
        if bytes(getattr(codec, f"{name}_decode")(encoded)) != sample:
            sys.exit(f"Kafka codec {name} does not decode what it encoded")
print("imported")
"""


def _name(member: Path) -> str:
    project = tomllib.loads((member / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return str(project["name"])


def _top_level_packages(member: Path) -> list[str]:
    return sorted(path.parent.name for path in (member / "src").glob("*/__init__.py"))


def test_every_member_is_checked() -> None:
    assert {member.parent.name for member in MEMBERS} == {"libs", "services"}
    assert len(MEMBERS) >= 9  # six libraries, three services
    assert all(_top_level_packages(member) for member in MEMBERS)


@pytest.mark.parametrize("member", MEMBERS, ids=lambda member: member.name)
def test_the_package_installs_alone_and_imports_every_module(member: Path, tmp_path: Path) -> None:
    uv = os.environ.get("UV") or shutil.which("uv")
    assert uv, "uv is needed: the tests run under `uv run`"
    environment = tmp_path / "venv"
    installed = subprocess.run(
        [uv, "sync", "--frozen", "--package", _name(member), "--no-default-groups", "--quiet"],
        cwd=ROOT,
        env={**os.environ, "UV_PROJECT_ENVIRONMENT": str(environment)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert installed.returncode == 0, installed.stderr
    imported = subprocess.run(
        [str(environment / "bin" / "python"), "-c", IMPORT_ALL, *_top_level_packages(member)],
        cwd=tmp_path,
        env={
            key: value
            for key, value in os.environ.items()
            if key not in {"PYTHONPATH", "VIRTUAL_ENV"}
        },
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert imported.returncode == 0, f"{_name(member)} alone: {imported.stderr.strip()[-2000:]}"
    assert imported.stdout.strip() == "imported"
