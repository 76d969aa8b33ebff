"""`./dev` itself: help answered without side effects, unknown commands refused, every
bash script clean under shellcheck, and the runner's exit code kept."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Everything `./dev` would call to install or start something.
WATCHED = ("uv", "java", "mvn", "apt-get", "sudo", "systemctl", "pg_ctl", "python3", "curl")


def _dev(arguments: list[str], tmp_path: Path) -> tuple[subprocess.CompletedProcess[str], Path]:
    stubs = tmp_path / "bin"
    stubs.mkdir(exist_ok=True)
    calls = tmp_path / "calls.log"
    for name in WATCHED:
        stub = stubs / name
        stub.write_text(f'#!/bin/sh\necho "{name} $*" >>"{calls}"\nexit 1\n', encoding="utf-8")
        stub.chmod(0o755)
    home = tmp_path / "home"
    env = {
        **os.environ,
        "PATH": f"{stubs}:{os.environ['PATH']}",
        "IOC_HOME": str(home),
        "IOC_KAFKA_PORT": "1",
        "IOC_PG_PORT": "1",
    }
    done = subprocess.run(
        [str(ROOT / "dev"), *arguments], env=env, capture_output=True, text=True, timeout=60
    )
    return done, calls


@pytest.mark.parametrize(
    "arguments",
    [
        ["--help"],
        ["-h"],
        ["help"],
        ["up", "--help"],
        ["up", "--speed", "86400", "--help"],
        ["test", "--help"],
        ["infra", "-h"],
        ["cluster", "--help"],
        ["stop", "--help"],
        ["status", "--help"],
        ["env", "--help"],
    ],
    ids=" ".join,
)
def test_help_starts_nothing(arguments: list[str], tmp_path: Path) -> None:
    done, calls = _dev(arguments, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "./dev" in done.stdout
    assert not calls.exists(), calls.read_text()
    assert not (tmp_path / "home").exists(), "help created the runner's folder"


def test_up_help_lists_the_runners_options(tmp_path: Path) -> None:
    done, _ = _dev(["up", "--help"], tmp_path)
    runner_help = subprocess.run(
        [sys.executable, str(ROOT / "deploy/local/run_system.py"), "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    for option in ("--speed", "--no-demo", "--no-prometheus", "--no-grafana"):
        assert option in runner_help
        assert option in done.stdout


def test_an_unknown_command_is_refused_before_anything_runs(tmp_path: Path) -> None:
    done, calls = _dev(["upp"], tmp_path)
    assert done.returncode == 2
    assert "./dev up" in done.stderr
    assert not calls.exists()
    assert not (tmp_path / "home").exists()


def _shell_scripts() -> list[str]:
    listed = subprocess.run(
        ["bash", "-c", 'source <(sed -n "/^shell_scripts() {/,/^}/p" dev) && shell_scripts'],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return listed.stdout.split()


def _runner_look_alike() -> subprocess.Popen[bytes]:
    """A process whose command line names the runner, as a live `./dev up` has."""
    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", "run_system.py"])


def test_a_second_dev_up_is_refused_before_anything_runs(tmp_path: Path) -> None:
    runner = _runner_look_alike()
    try:
        (tmp_path / "home").mkdir()
        (tmp_path / "home" / "run-system.pid").write_text(str(runner.pid), encoding="utf-8")
        done, calls = _dev(["up", "--no-demo"], tmp_path)
    finally:
        runner.kill()
        runner.wait()
    assert done.returncode == 1
    assert f"already running from this checkout (runner pid {runner.pid})" in done.stderr
    assert not calls.exists(), calls.read_text(encoding="utf-8")


def _runner_running(pid_file_text: str | None, tmp_path: Path) -> bool:
    """`runner_running` of deploy/local/lib.sh with this pid file in IOC_HOME."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    if pid_file_text is not None:
        (home / "run-system.pid").write_text(pid_file_text, encoding="utf-8")
    script = f"source {ROOT / 'deploy/local/lib.sh'}; runner_running"
    return (
        subprocess.run(
            ["/bin/bash", "-c", script],
            env={"PATH": os.environ["PATH"], "IOC_HOME": str(home)},
            capture_output=True,
            timeout=30,
            check=False,
        ).returncode
        == 0
    )


def test_only_a_live_runner_counts_as_running(tmp_path: Path) -> None:
    runner = _runner_look_alike()
    try:
        assert _runner_running(str(runner.pid), tmp_path)
    finally:
        runner.kill()
        runner.wait()
    assert not _runner_running(str(runner.pid), tmp_path)  # a stale file
    assert not _runner_running(str(os.getpid()), tmp_path)  # a pid given to another program
    assert not _runner_running("not a pid", tmp_path)
    assert not _runner_running(None, tmp_path)


def test_every_bash_script_passes_shellcheck() -> None:
    shellcheck = shutil.which("shellcheck")
    assert shellcheck is not None, "shellcheck is missing: ./dev test installs Debian's package"
    scripts = _shell_scripts()
    assert {"dev", ".ci/run", "deploy/local/lib.sh", "deploy/local/kafka.sh"} <= set(scripts)
    done = subprocess.run(
        [shellcheck, "-x", *scripts], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout


def test_dev_up_exits_with_the_runners_code() -> None:
    # The runner's own code is tested below; ./dev up must pass it on, not swallow it.
    script = (ROOT / "dev").read_text(encoding="utf-8")
    up = script[script.index("\nup)\n") : script.index("\ninfra)\n")]
    assert "|| true" not in up
    assert 'run_system.py "$@" || runner=$?' in up
    assert 'exit "$runner"' in up


def test_the_runner_exits_non_zero_when_a_service_cannot_start(tmp_path: Path) -> None:
    from ioc_testing.pipeline import free_port

    (tmp_path / "ioc.env").write_text(
        "".join(
            f"IOC_DATABASE_URL_{role}=postgresql://nobody@127.0.0.1:1/none\n"
            for role in ("INGEST", "WRITER", "DERIVED", "ALERTS", "READER")
        ),
        encoding="utf-8",
    )
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("IOC_")},
        "IOC_HOME": str(tmp_path),
        "IOC_MAILBOX_PORT": str(free_port()),
        "IOC_INGEST_PORT": str(free_port()),
        # The gateway refuses this setting at start: the runner must say so and fail.
        "IOC_INGEST_MAX_BATCH": "not-a-number",
    }
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "deploy/local/run_system.py"),
            "--no-demo",
            "--no-prometheus",
            "--no-grafana",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "ingest stopped while starting" in done.stderr
    # The runner's pid file goes with it, so the next `./dev up` is not refused.
    assert not (tmp_path / "run-system.pid").exists()
    assert "IOC_INGEST_MAX_BATCH is invalid" in done.stderr


def _kafka_verb(verb: str, home: Path) -> int:
    return subprocess.run(
        [str(ROOT / "deploy/local/kafka.sh"), verb],
        env={
            **os.environ,
            "IOC_HOME": str(home),
            "IOC_KAFKA_PORT": "1",
            "IOC_KAFKA_SASL_PORT": "1",
        },
        capture_output=True,
        timeout=30,
        check=False,
    ).returncode


def test_a_broker_still_starting_counts_as_running_though_it_does_not_answer_yet(
    tmp_path: Path,
) -> None:
    """`./dev up` leaves up what it did not start, and decides that by `running`: a broker
    another `./dev` started a moment ago has a live process and no open port yet. By
    `status` (does it answer?) it counted as stopped, and `./dev up` stopped it on exit."""
    (tmp_path / "kafka").mkdir()
    starting = subprocess.Popen(["sleep", "60"])  # a process, no listener
    try:
        (tmp_path / "kafka" / "kafka.pid").write_text(str(starting.pid), encoding="utf-8")
        assert _kafka_verb("running", tmp_path) == 0
        assert _kafka_verb("status", tmp_path) == 3  # it does not answer yet
    finally:
        starting.kill()
        starting.wait()
    assert _kafka_verb("running", tmp_path) != 0  # gone: a stale pid file does not count
    up = (ROOT / "dev").read_text(encoding="utf-8").split("\nup)", 1)[1].split("\n  ;;", 1)[0]
    assert '"deploy/local/$part.sh" running' in up, "./dev up must decide by `running`"
