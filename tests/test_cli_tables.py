"""Listings drawn as rich tables when stdout is a terminal, and the plain lines they always
were when it is not (piped, redirected, captured): `ebt.cli.render.table` decides, for
`ebt files`, `workitems`, `status`, `find`, `codes` and `partners check`."""

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


WORK_ITEM = (
    "service period 2: landlord account 00277348098 cannot start on 2026-12-01: no start read "
    "at the premise that day; record it (ebt tenant read 00277348098 --premise P000000002 "
    "--on 2026-12-01 --read VALUE)"
)


def ebt(*args: str | Path) -> Result:
    result = CliRunner().invoke(main, [str(a) for a in args], env=WIDE)
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """stdout taken for a terminal."""
    monkeypatch.setattr(render, "on_terminal", lambda: True)
    yield


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The demo's store after its sweeps, and a stop whose reversion to the landlord has no
    start read: one open work item."""
    folder = tmp_path_factory.mktemp("demo")
    ebt("--today", TODAY, "sweep", "demo", "--folder", folder)
    url = f"sqlite:///{folder / 'ebt.db'}"
    ebt("--today", TODAY, "tenant", "stop", "00284695079", "--on", "2026-12-01", "--db", url)
    ebt("--today", "2026-12-01", "activate", "--db", url)
    return url


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


# -- the commands ---------------------------------------------------------------------------------


def test_files(demo: str, terminal: None) -> None:
    drawn = rows_of(ebt("--today", TODAY, "files", "--db", demo).stdout)
    assert drawn[0] == ["dir", "id", "at", "state", "partner", "name", "size", "errors"]
    assert ["in", "3", "2026-11-20 00:00", "archived", "081234567",
            "814-enrollment-request.x12", "581 bytes", "0"] in drawn  # fmt: skip


def test_files_piped(demo: str) -> None:
    lines = ebt("--today", TODAY, "files", "--db", demo).stdout.splitlines()
    assert len(lines) == 4
    assert "in        3  2026-11-20 00:00  archived        081234567     " \
        "814-enrollment-request.x12  (581 bytes)" in lines  # fmt: skip


def test_workitems(demo: str, terminal: None) -> None:
    drawn = rows_of(ebt("workitems", "--db", demo).stdout)
    assert drawn[0] == ["id", "status", "kind", "account", "description"]
    (item,) = drawn[1:]
    assert item[:4] == ["1", "open", "activation", "00277348098"]
    assert item[4].startswith("service period 2: landlord account 00277348098 cannot start")


def test_workitems_piped(demo: str) -> None:
    (line,) = ebt("workitems", "--db", demo).stdout.splitlines()
    assert line.startswith("#1     open     activation     00277348098  service period 2: ")


def test_status(demo: str, terminal: None) -> None:
    out = ebt("--today", TODAY, "status", "--db", demo).stdout
    assert out.splitlines()[0] == "status as of 2026-11-20T00:00:00"
    drawn = rows_of(out)
    assert drawn[0] == ["what", "how many"]
    assert ["reject codes", "A13 (other) 1"] in drawn
    assert ["work items", "1 open"] in drawn
    assert ["", f"#1 activation: {WORK_ITEM}"] in drawn


def test_status_piped(demo: str) -> None:
    lines = ebt("--today", TODAY, "status", "--db", demo).stdout.splitlines()
    assert lines[0] == "status as of 2026-11-20T00:00:00"
    assert "reject codes  A13 (other) 1" in lines
    assert "work items    1 open" in lines
    assert f"  #1 activation: {WORK_ITEM}" in lines


def test_find(demo: str, terminal: None) -> None:
    drawn = rows_of(ebt("find", "--meter", "CB4447005", "--db", demo).stdout)
    assert drawn[0] == ["account", "customer", "status", "address"]
    assert drawn[1][:3] == ["00123098765", "WALTER B CURTIS", "active"]


def test_find_piped(demo: str) -> None:
    out = ebt("find", "--meter", "CB4447005", "--db", demo).stdout
    assert out.startswith("00123098765  WALTER B CURTIS                active  ")


AK5_PIPED = """\
transaction set acknowledgment (ak5): AK501 (997) [X12]; kept in 997 guide: set_status
  A  accepted
  E  accepted, but errors were noted
  R  rejected
"""


def test_codes(terminal: None) -> None:
    out = ebt("codes", "--kind", "ak5").stdout
    assert out.splitlines()[0] == AK5_PIPED.splitlines()[0]
    assert rows_of(out) == [
        ["code", "meaning"],
        ["A", "accepted"],
        ["E", "accepted, but errors were noted"],
        ["R", "rejected"],
    ]


def test_codes_with_fixes_have_a_fix_column(terminal: None) -> None:
    drawn = rows_of(ebt("codes", "--kind", "finding").stdout)
    assert drawn[0] == ["code", "meaning", "fix"]
    (empty,) = [row for row in drawn if row[0] == "FILE-EMPTY"]
    assert empty == ["FILE-EMPTY", "error", "Send the file again; it arrived with no content."]


def test_codes_piped() -> None:
    assert ebt("codes", "--kind", "ak5").stdout == AK5_PIPED


def test_partners_check(tmp_path: Path, terminal: None) -> None:
    config = ROOT / "fixtures" / "partners" / "demo.toml"
    out = ebt("partners", "check", "--config", config).stdout
    assert out.splitlines()[0] == f"{config}: 3 partner(s), no mistakes"
    drawn = rows_of(out)
    assert drawn[0] == ["duns", "name", "mode", "inbound", "outbound"]
    pine = drawn[1]
    assert pine[:3] == ["081234567", "PINE TREE POWER SUPPLY", "production"]
    assert "pine-tree/inbound" in pine[3] and "missing: create it" in pine[3]


def test_partners_check_piped() -> None:
    config = ROOT / "fixtures" / "partners" / "demo.toml"
    lines = ebt("partners", "check", "--config", config).stdout.splitlines()
    assert lines[1] == "  081234567 PINE TREE POWER SUPPLY (production)"
    assert lines[2].startswith("    in ") and lines[2].endswith(
        "pine-tree/inbound  (missing: create it; the sweeps do not make it)"
    )
    assert len(lines) == 1 + 3 * 3
