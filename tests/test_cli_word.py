"""The command line does what its help says: `--strict` stops at the first error, and `-`
reads standard input for validate, show, ack and translate (named <stdin>)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from ebt.cli import main

ROOT = Path(__file__).resolve().parents[1]
ENROLL = ROOT / "fixtures" / "x12" / "good" / "814-enrollment-request.x12"
TODAY = "2026-11-20"


def ebt(*args: str | Path, stdin: bytes | None = None) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], input=stdin)


def two_errors_in_one_set() -> bytes:
    """The enrollment request with a bad state code (N402) and an empty account (REF*12)."""
    text = ENROLL.read_text(encoding="ascii")
    text = text.replace("N4*PORTLAND*ME*04102", "N4*PORTLAND*XX*04102")
    return text.replace("REF*12*00412345678", "REF*12*").encode("ascii")


def validate_json(*args: str | Path, stdin: bytes | None = None) -> dict[str, Any]:
    result = ebt("validate", *args, "--format", "json", stdin=stdin)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


# -- --strict -----------------------------------------------------------------------------


def test_strict_reports_only_the_first_error_of_a_set(tmp_path: Path) -> None:
    """Regression: --strict stopped after the event holding the first error, so every
    error of that transaction set was still printed."""
    path = tmp_path / "two-errors.x12"
    path.write_bytes(two_errors_in_one_set())
    everything = validate_json(path)["files"][0]
    strict = validate_json(path, "--strict")["files"][0]
    assert everything["errors"] >= 2
    assert strict["errors"] == 1
    assert [f["severity"] for f in strict["findings"]][-1] == "error"
    assert strict["findings"] == everything["findings"][: len(strict["findings"])]


def test_strict_keeps_the_warnings_before_the_first_error(tmp_path: Path) -> None:
    path = tmp_path / "warn-then-error.x12"
    path.write_bytes(b"\xef\xbb\xbf" + two_errors_in_one_set())  # FILE-BOM: a warning, first
    strict = validate_json(path, "--strict")["files"][0]
    assert strict["findings"][0]["code"] == "FILE-BOM"
    assert strict["errors"] == 1 and strict["warnings"] == 1


def test_strict_text_says_it_stopped() -> None:
    result = ebt("validate", "-", "--strict", stdin=two_errors_in_one_set())
    assert result.exit_code == 1
    assert "1 error(s)" in result.stdout
    assert "stopped at the first error (--strict)" in result.stdout
    assert "stopped" not in ebt("validate", "-", stdin=two_errors_in_one_set()).stdout


def test_strict_help_says_what_it_does() -> None:
    text = " ".join(ebt("validate", "--help").stdout.split())
    assert "Stop each file at its first error: report the findings up to and including it" in text


# -- standard input ---------------------------------------------------------------------------


def test_validate_reads_standard_input_and_names_it() -> None:
    report = validate_json("-", stdin=two_errors_in_one_set())["files"][0]
    assert report["path"] == "<stdin>"
    assert report["errors"] >= 2
    result = ebt("validate", "-", stdin=b"")
    assert result.exit_code == 1
    assert result.stdout.startswith("<stdin>: 1 error(s)")


def test_validate_takes_standard_input_beside_files() -> None:
    data = validate_json(ENROLL, "-", stdin=ENROLL.read_bytes())
    assert [f["path"] for f in data["files"]] == [str(ENROLL), "<stdin>"]
    assert [f["errors"] for f in data["files"]] == [0, 0]


def test_standard_input_can_be_given_only_once() -> None:
    result = ebt("validate", "-", "-", stdin=ENROLL.read_bytes())
    assert result.exit_code == 2
    assert "only once" in result.stderr


def test_ack_reads_standard_input() -> None:
    result = ebt("--today", TODAY, "ack", "-", stdin=ENROLL.read_bytes())
    assert result.exit_code == 0, result.output
    assert result.stdout == ebt("--today", TODAY, "ack", ENROLL).stdout
    assert "AK1*GE*101~" in result.stdout


def test_ack_of_standard_input_that_cannot_be_acknowledged_says_why() -> None:
    result = ebt("ack", "-", stdin=b"name,account\n")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: <stdin>: no acknowledgment can be written: ")
    assert "ISA" in result.stderr


def test_translate_reads_standard_input() -> None:
    result = ebt("translate", "-", "--to", "xml", stdin=ENROLL.read_bytes())
    assert result.exit_code == 0, result.output
    assert result.stdout == ebt("translate", ENROLL, "--to", "xml").stdout


def test_translate_names_standard_input_in_its_findings() -> None:
    result = ebt("translate", "-", "--to", "xml", stdin=two_errors_in_one_set())
    assert result.exit_code == 1
    assert "<stdin>: not translated" in result.stderr
