"""Listings drawn as rich tables when stdout is a terminal, and the plain lines they always
were when it is not (piped, redirected, captured): `ebt.cli.render.table` decides."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from ebt.cli import main, render

ROOT = Path(__file__).resolve().parent.parent
TODAY = "2026-11-20"
WIDE = {"COLUMNS": "400"}  # wide enough that no cell is folded


def ebt(*args: str | Path) -> Result:
    result = CliRunner().invoke(main, [str(a) for a in args], env=WIDE)
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """stdout taken for a terminal."""
    monkeypatch.setattr(render, "on_terminal", lambda: True)
    yield


def rows_of(drawn: str) -> list[list[str]]:
    """The cells of each line of a rich table (its box lines left out)."""
    return [
        [cell.strip() for cell in line.strip("│┃").split("│" if "│" in line else "┃")]
        for line in drawn.splitlines()
        if line.startswith(("│", "┃"))
    ]


# -- the helper ----------------------------------------------------------------------------------


def test_plain_lines_when_not_on_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    render.table(("id", "what"), [(1, "one")], ["#1     one", "more"])
    assert capsys.readouterr().out == "#1     one\nmore\n"


def test_a_table_on_a_terminal(terminal: None, capsys: pytest.CaptureFixture[str]) -> None:
    render.table(
        ("id", "what"), [(7, "[bold]seven[/bold]"), (12, None)], ["not shown"], title="numbers"
    )
    out = capsys.readouterr().out
    assert "not shown" not in out
    assert out.splitlines()[0] == "numbers"
    assert rows_of(out) == [["id", "what"], ["7", "[bold]seven[/bold]"], ["12", "-"]]
    (seven,) = [line for line in out.splitlines() if "seven" in line]
    assert re.match(r"│\s+7 │", seven)  # numbers to the right; markup in a cell kept as text


def test_nothing_drawn_for_no_rows(terminal: None, capsys: pytest.CaptureFixture[str]) -> None:
    render.table(("id",), [], [])
    assert capsys.readouterr().out == ""


def test_a_long_cell_is_folded_not_cut(
    terminal: None, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "40")
    path = "/srv/ebt/partners/pine-tree/outbound/081234567-000000001.x12"
    render.table(("file",), [(path,)], [])
    out = capsys.readouterr().out
    assert all(len(line) <= 40 for line in out.splitlines())
    assert "".join(cell for (cell,) in rows_of(out)[1:]) == path
