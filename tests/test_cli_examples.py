"""Every command keeps its word: each line under `Examples:` in every `--help` runs, as
written, in the folder `ebt sweep demo` leaves (its partners.toml names the store, sample
files in fixtures/, a draft rules table in drafts/), and exits as it says.

An example exits 0 unless it ends with a comment saying otherwise: `# exits N` (a
validation that finds errors exits 1), or `# serves until stopped` for the console and the
scheduler, which must still be running (the console answering) after they start, and stop
on SIGTERM without a traceback (the scheduler with 0; uvicorn, once it has shut the console
down, ends by the signal). Each runs in bash (globs, `<` and `|` as a user's shell has
them) on a fresh copy of the demo folder, with the clock at the demo's day unless the
example sets `--today`.
Every command and every option also has help text, and each command group and command at
least one example.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import click
import click.testing
import pytest

from ebt.cli import main

TODAY = "2026-11-20"
BIN = Path(sys.executable).parent
EXITS = re.compile(r"#\s*exits\s+(\d+)\b")
SERVES = "# serves until stopped"


def commands(command: click.Command, path: str = "ebt") -> Iterator[tuple[str, click.Command]]:
    yield path, command
    if isinstance(command, click.Group):
        for name, sub in sorted(command.commands.items()):
            yield from commands(sub, f"{path} {name}")


def examples(command: click.Command) -> list[str]:
    """The example lines of a command's help (a line ending in a backslash goes on)."""
    found: list[str] = []
    taking = False
    for line in f"{command.help or ''}\n{command.epilog or ''}".splitlines():
        text = line.strip()
        if text == "Examples:":
            taking = True
        elif taking and text and line.startswith(" "):
            if found and found[-1].endswith("\\"):
                found[-1] = found[-1][:-1].rstrip() + " " + text
            else:
                found.append(text)
        elif taking and found:
            taking = False  # a blank or unindented line ends the block
    return found


EXAMPLES = [
    pytest.param(path, line, id=f"{path} #{n}")
    for path, command in commands(main)
    for n, line in enumerate(examples(command), start=1)
]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder `ebt sweep demo` makes, made once."""
    where = tmp_path_factory.mktemp("examples")
    made = run(["ebt", "--today", TODAY, "sweep", "demo"], where)
    assert made.returncode == 0, made.stdout + made.stderr
    return where / "demo"


def environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EBT_")}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["COLUMNS"] = "100"
    return env


def run(argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv, cwd=cwd, env=environment(), capture_output=True, text=True, timeout=120
    )


def shell(line: str) -> str:
    """The example as bash runs it: `ebt` with the demo's day first (an example's own
    `--today`, coming later, wins), failures anywhere in a pipe counted."""
    return f'set -o pipefail\nebt() {{ command ebt --today {TODAY} "$@"; }}\n{line}\n'


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def exits(line: str, folder: Path) -> subprocess.CompletedProcess[str]:
    """Run an example in bash on a fresh copy of the demo folder."""
    here = folder / "demo"
    return subprocess.run(
        ["bash", "-c", shell(line)],
        cwd=here,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )


@pytest.fixture(scope="module")
def ran(
    demo: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, subprocess.CompletedProcess[str]]:
    """Every example but the servers, four at a time (each its own copy of the demo), by
    its line: each is a process of its own, and most of its time is starting Python."""
    lines = sorted({line for _, line in (p.values for p in EXAMPLES) if SERVES not in line})
    folders = {}
    for line in lines:
        folder = tmp_path_factory.mktemp("example")
        shutil.copytree(demo, folder / "demo", symlinks=True)
        folders[line] = folder
    with ThreadPoolExecutor(max_workers=4) as pool:
        done = pool.map(lambda line: exits(line, folders[line]), lines)
        return dict(zip(lines, done, strict=True))


@pytest.mark.parametrize(("path", "line"), EXAMPLES)
def test_every_example_runs_on_the_demo_store_and_exits_as_it_says(
    path: str, line: str, demo: Path, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if line.endswith(SERVES):
        shutil.copytree(demo, tmp_path / "demo", symlinks=True)
        serves(line, tmp_path / "demo")
        return
    done = request.getfixturevalue("ran")[line]
    said = EXITS.search(line)
    wanted = int(said[1]) if said else 0
    assert done.returncode == wanted, (
        f"{path}: `{line}` exited {done.returncode}, not {wanted}\n"
        f"stdout: {done.stdout[-2000:]}\nstderr: {done.stderr[-2000:]}"
    )
    assert "Traceback" not in done.stderr


def serves(line: str, here: Path) -> None:
    """A server example: started (the console on a free port), it must answer, then stop
    cleanly on SIGTERM."""
    port = free_port()
    command = line.removesuffix(SERVES).strip()
    console = " console" in command
    if console:
        command += f" --port {port}"
    child = subprocess.Popen(
        ["bash", "-c", f"exec {command.replace('ebt ', f'ebt --today {TODAY} ', 1)}"],
        cwd=here,
        env=environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        answered = False
        while time.monotonic() < deadline and child.poll() is None:
            if console:
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                        sock.sendall(b"GET /login HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
                        answered = sock.recv(64).startswith(b"HTTP/1.1 200")
                except OSError:
                    pass
            else:
                answered = time.monotonic() > deadline - 55  # alive five seconds on
            if answered:
                break
            time.sleep(0.5)
        assert child.poll() is None, f"`{line}` stopped: {child.communicate()[0][-2000:]}"
        assert answered, f"`{line}` did not answer on port {port}"
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGTERM)
        out, _ = child.communicate(timeout=30)
    # the scheduler exits 0; uvicorn, having shut the console down, ends by the signal
    stopped = (0, -signal.SIGTERM) if console else (0,)
    assert child.returncode in stopped, f"`{line}` did not stop cleanly: {out[-2000:]}"
    assert "Traceback" not in out


def test_every_command_and_group_has_examples() -> None:
    missing = [path for path, command in commands(main) if not examples(command)]
    assert missing == []


def test_every_command_and_option_has_help_text() -> None:
    missing = []
    for path, command in commands(main):
        if not (command.help or "").strip():
            missing.append(path)
        for param in command.params:
            if isinstance(param, click.Option) and not (param.help or "").strip():
                missing.append(f"{path} {param.opts[-1]}")
    assert missing == []


def test_environment_variables_are_named_in_help() -> None:
    """The variables that stand for the store and the partners' configuration are taken
    for the option and said in its help ([env var: ...]), wherever the option is."""
    wanted = {"db": "EBT_DATABASE_URL", "config_path": "EBT_PARTNERS"}
    seen = []
    for path, command in commands(main):
        for param in command.params:
            if isinstance(param, click.Option) and param.name in wanted:
                assert (param.envvar, param.show_envvar) == (wanted[param.name], True), path
                seen.append(path)
    assert "ebt sweep inbound" in seen and "ebt console" in seen
    shown = " ".join(click.testing.CliRunner().invoke(main, ["files", "--help"]).output.split())
    assert "[env var: EBT_DATABASE_URL]" in shown
