"""`ebt show`: the JSON document written as the file is read (flat memory), standard input,
and 997s and 824s as text a person reads, every code with its meaning."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

from click.testing import CliRunner, Result

from ebt.cli import main

ROOT = Path(__file__).resolve().parents[1]
GOOD = ROOT / "fixtures" / "x12" / "good"
ENROLL = GOOD / "814-enrollment-request.x12"


def ebt(*args: str | Path, stdin: bytes | io.RawIOBase | None = None) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], input=stdin)


def many_enrollments(count: int) -> bytes:
    """One interchange of `count` enrollment requests (the fixture's set, renumbered)."""
    lines = ENROLL.read_text(encoding="ascii").split("~\n")
    head, body, tail = lines[:2], lines[2:-3], lines[-3:]
    sets = [
        "~\n".join([f"ST*814*{n:04d}", *body[1:-1], f"SE*16*{n:04d}"]) for n in range(1, count + 1)
    ]
    tail[0] = f"GE*{count}*101"
    return "~\n".join([*head, *sets, *tail]).encode("ascii")


class Watched(io.RawIOBase):
    """A stream that cannot seek and notes how much of standard output had been written
    when its last quarter was first asked for."""

    def __init__(self, data: bytes):
        self.data = data
        self.at = 0
        self.written_before_the_end: int | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self.written_before_the_end is None and self.at >= len(self.data) * 3 // 4:
            sys.stdout.flush()
            self.written_before_the_end = len(sys.stdout.buffer.getvalue())  # type: ignore[attr-defined]
        chunk = self.data[self.at : self.at + len(buffer)]
        buffer[: len(chunk)] = chunk
        self.at += len(chunk)
        return len(chunk)


# -- streaming ---------------------------------------------------------------------------


def test_show_json_writes_transactions_before_the_file_is_read_to_the_end() -> None:
    """Regression: every record was held (about 14 KiB a transaction) and the document
    printed at the end, so memory grew with the file."""
    source = Watched(many_enrollments(4_500))  # about 2 MB: the reader takes 1 MiB chunks
    result = ebt("show", "-", "--format", "json", stdin=source)
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)["transactions"]) == 4_500
    assert source.written_before_the_end, "nothing was written before the last quarter"


def test_show_json_is_what_json_dumps_gives_for_the_whole_document() -> None:
    empty = ROOT / "fixtures" / "x12" / "bad" / "file-empty--zero-bytes.x12"
    for path in [*sorted(GOOD.glob("*.x12")), empty]:
        result = ebt("show", path, "--format", "json")
        data = json.loads(result.stdout)
        assert result.stdout == json.dumps(data, indent=2) + "\n", path.name


def test_show_json_of_a_file_without_transactions_is_an_empty_list() -> None:
    result = ebt("show", "-", "--format", "json", stdin=b"")
    assert result.exit_code == 1
    assert result.stdout == '{\n  "transactions": []\n}\n'


# -- standard input ----------------------------------------------------------------------


def test_show_reads_standard_input() -> None:
    result = ebt("show", "-", "--format", "json", stdin=ENROLL.read_bytes())
    assert result.exit_code == 0, result.output
    assert result.stdout == ebt("show", ENROLL, "--format", "json").stdout


def test_show_names_standard_input_in_its_problems() -> None:
    result = ebt("show", "-", stdin=b"not an X12 file\n")
    assert result.exit_code == 1
    assert result.stderr.startswith("<stdin>: ")
