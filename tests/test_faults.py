"""Faults of the environment told plainly: a database URL ebt cannot use, a server it cannot
reach, a store that is read-only, locked, not a database or in a missing folder, a folder it
cannot write, another sweep holding the store — each one or two lines on stderr with what to
do, a documented exit code (ebt/cli/faults.py), never a traceback; for every command that
opens the store."""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy.exc import OperationalError
from tmpfs_support import Mounts, mounted

from ebt.calendar import MaineCalendar
from ebt.cli import main
from ebt.cli.scheduler import plainly
from ebt.sweep import schedule

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "fixtures" / "reference"
ENROLL = ROOT / "fixtures" / "x12" / "good" / "814-enrollment-request.x12"
ON = "2026-12-01"


@pytest.fixture
def mounts() -> Iterator[Mounts]:
    yield from mounted()


def ebt(*args: str, env: dict[str, str] | None = None) -> Result:
    result = CliRunner().invoke(main, list(args), env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    assert "Traceback" not in result.output
    return result


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "partners.toml"
    shutil.copyfile(ROOT / "fixtures" / "partners" / "demo.toml", path)
    return path


def commands(config: Path, tmp_path: Path) -> list[list[str]]:
    """Every command that opens the store, with arguments it accepts."""
    where = ["--config", str(config)]
    return [
        ["status"],
        ["load", str(REFERENCE)],
        ["process", str(ENROLL), "--out", str(tmp_path / "out")],
        ["account", "show", "1"],
        ["explain", "REF"],
        ["find", "--name", "X"],
        ["standard-offer", "1"],
        ["move", "1", "--move-out", ON],
        ["tenant", "stop", "1", "--on", ON],
        ["tenant", "cancel", "1"],
        ["landlord", "change", "P", "A", "--on", ON],
        ["activate"],
        ["meter-exchange", "M1", "M2", "--on", ON, "--removed-read", "1", "--first-read", "2"],
        ["workitems"],
        ["workitems", "resolve", "1"],
        ["sweep", "inbound", *where],
        ["sweep", "outbound", *where],
        ["sweep", "all", *where],
        ["resend", "x.x12"],
        ["ack-check", *where],
        ["scheduler", "run", *where],
    ]


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("foo", "ebt: 'foo' is not a database URL"),
        ("mysql://x/y", "ebt: mysql://x/y: ebt keeps its store in SQLite or PostgreSQL, not mysql"),
        ("postgresql+psycopg2://x/y", "ebt: postgresql+psycopg2://x/y: its database driver is not"),
    ],
)
def test_a_database_url_ebt_cannot_use_is_a_usage_error_for_every_command(
    config: Path, tmp_path: Path, url: str, said: str
) -> None:
    for command in commands(config, tmp_path):
        result = ebt(*command, "--db", url)
        assert result.exit_code == 2, (command, result.output)
        lines = result.stderr.splitlines()
        assert lines[0].startswith(said), (command, result.stderr)
        assert lines[1].startswith("  fix: Give --db sqlite:///") or "psycopg 3" in lines[1]
        assert len(lines) == 2, command


def test_the_url_from_the_environment_is_told_the_same(tmp_path: Path) -> None:
    result = ebt("status", env={"EBT_DATABASE_URL": "foo"})
    assert result.exit_code == 2
    assert "'foo' is not a database URL" in result.stderr and "EBT_DATABASE_URL" in result.stderr


def test_an_unreachable_server_is_said_so(config: Path, tmp_path: Path) -> None:
    url = "postgresql://ebt:secret@127.0.0.1:1/ebt"  # nothing listens on port 1
    for command in (["status"], ["sweep", "inbound", "--config", str(config)]):
        result = ebt(*command, "--db", url)
        assert result.exit_code == 3
        first, fix = result.stderr.splitlines()
        assert first.startswith(
            "ebt: the PostgreSQL server of postgresql://ebt:***@127.0.0.1:1/ebt cannot be reached"
        )
        assert "secret" not in result.output
        assert fix.startswith("  fix: Check that it is running and reachable from here")


def test_a_store_in_a_missing_folder_is_not_made(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    result = ebt("status", "--db", f"sqlite:///{missing / 'ebt.db'}")
    assert result.exit_code == 3
    assert result.stderr.splitlines() == [
        f"ebt: the folder {missing} of the store sqlite:///{missing / 'ebt.db'} does not exist",
        "  fix: Create it, or give another --db (or EBT_DATABASE_URL).",
    ]
    assert not missing.exists()


def test_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("this is not a database, only some notes\n" * 100)
    result = ebt("status", "--db", f"sqlite:///{path}")
    assert result.exit_code == 3
    assert "is not a database (file is not a database)" in result.stderr


def test_a_read_only_store(tmp_path: Path, mounts: Mounts) -> None:
    folder = mounts.tmpfs(tmp_path / "store", size="4m")
    url = f"sqlite:///{folder / 'ebt.db'}"
    made = [sys.executable, "-m", "ebt", "load", str(REFERENCE), "--db", url]
    subprocess.run(made, check=True, capture_output=True)  # (this process keeps no file open)
    mounts.read_only(folder)
    for command in (["status"], ["load", str(REFERENCE)], ["process", str(ENROLL)]):
        result = ebt(*command, "--db", url)
        assert result.exit_code == 3, command
        first, fix = result.stderr.splitlines()
        assert first.startswith(f"ebt: the store {url} is read-only ("), command
        assert fix == (
            "  fix: Let this user write the file and its folder, or give another --db "
            "(or EBT_DATABASE_URL)."
        )


@pytest.fixture
def locked_store(tmp_path: Path) -> Iterator[str]:
    """A store another process is writing (an open write transaction)."""
    path = tmp_path / "ebt.db"
    assert ebt("status", "--db", f"sqlite:///{path}", "--create").exit_code == 0
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        yield f"sqlite:///{path}?timeout=0.2"
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_a_store_locked_mid_command_is_busy(locked_store: str) -> None:
    result = ebt("load", str(REFERENCE), "--db", locked_store)
    assert result.exit_code == 75
    assert "is locked by another process" in result.stderr
    assert "fix: Try again when it is done" in result.stderr


@pytest.fixture
def held(tmp_path: Path) -> Iterator[list[str]]:
    """Take the SQLite sweep locks of the configuration's work folder as another sweep
    would; the names of the locks held."""
    names: list[str] = []
    descriptors: list[int] = []

    def hold(name: str) -> None:
        (tmp_path / "work").mkdir(exist_ok=True)
        fd = os.open(tmp_path / "work" / name, os.O_RDWR | os.O_CREAT, 0o644)
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        descriptors.append(fd)
        names.append(name)

    hold(".sweep.lock")
    hold(".outbound.lock")
    try:
        yield names
    finally:
        for fd in descriptors:
            os.close(fd)


def test_a_second_sqlite_sweep_exits_busy(config: Path, tmp_path: Path, held: list[str]) -> None:
    url = f"sqlite:///{tmp_path / 'ebt.db'}"
    where = ["--config", str(config), "--db", url, "--create"]
    result = ebt("sweep", "inbound", *where)
    assert result.exit_code == 75
    assert result.stderr.splitlines() == [
        f"ebt: another sweep is running on this store (it holds {tmp_path / 'work'}/.sweep.lock)",
        "  fix: Nothing to do: run again when it is done (the scheduler does).",
    ]
    assert result.stdout == ""
    result = ebt("sweep", "outbound", *where)
    assert result.exit_code == 75
    assert "another sweep is writing the outbound files; nothing done" in result.stderr
    assert ebt("sweep", "all", *where).exit_code == 75


def test_a_done_sweep_exits_0_so_busy_is_told_from_done(config: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ebt.db'}"
    assert ebt("sweep", "all", "--config", str(config), "--db", url, "--create").exit_code == 0


def test_a_folder_that_cannot_be_made_is_said_so(tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where a folder should be")
    config = tmp_path / "partners.toml"
    config.write_text(
        '[utility]\nduns = "049876543"\nname = "X"\n[folders]\nwork = "blocker/work"\n'
        '[[partner]]\nduns = "081234567"\nname = "P"\ninbound = "in"\noutbound = "out"\n'
    )
    url = f"sqlite:///{tmp_path / 'ebt.db'}"
    result = ebt("sweep", "inbound", "--config", str(config), "--db", url, "--create")
    assert result.exit_code == 4
    assert result.stderr.splitlines() == [
        f"ebt: {blocker / 'work'}: Not a directory",
        "  fix: Part of the path is a file, not a folder: correct the path.",
    ]
    result = ebt("process", str(ENROLL), "--out", str(blocker / "out"), "--db", url)
    assert result.exit_code == 4
    assert "Not a directory" in result.stderr


def test_a_scheduled_job_meeting_a_fault_logs_one_line(caplog: pytest.LogCaptureFixture) -> None:
    def unreachable() -> str:
        raise OperationalError("SELECT 1", {}, Exception("connection failed: refused"))

    job = schedule.Job(
        "inbound", plainly(unreachable, "postgresql://ebt@db.example/ebt"), trigger=None
    )
    with caplog.at_level(logging.INFO, logger="ebt.scheduler"):
        schedule.logged(job, MaineCalendar(), lambda: __import__("datetime").date(2026, 11, 20))()
    (record,) = caplog.records
    assert record.levelname == "ERROR" and record.exc_info is None
    assert record.getMessage().startswith("job inbound failed after ")
    assert "the PostgreSQL server of postgresql://ebt@db.example/ebt cannot be reached" in (
        record.getMessage()
    )


def test_a_bug_in_a_scheduled_job_keeps_its_traceback(caplog: pytest.LogCaptureFixture) -> None:
    def broken() -> str:
        raise KeyError("a bug")

    job = schedule.Job("inbound", plainly(broken, "sqlite:///ebt.db"), trigger=None)
    with caplog.at_level(logging.INFO, logger="ebt.scheduler"):
        schedule.logged(job, MaineCalendar(), lambda: __import__("datetime").date(2026, 11, 20))()
    (record,) = caplog.records
    assert record.exc_info is not None
