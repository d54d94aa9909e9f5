"""The `ebt` command line through click's CliRunner: exit codes, JSON shapes, --strict, help
texts, `ack -o`, and no traceback whatever the input."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from ebt.cli import main
from ebt.findings import KINDS
from ebt.mapping.records import Kind

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures" / "x12"
GOOD = sorted((FIXTURES / "good").glob("*.x12"))
BAD = sorted((FIXTURES / "bad").glob("*.x12"))
ENROLL = FIXTURES / "good" / "814-enrollment-request.x12"
SE_COUNT = FIXTURES / "bad" / "se-count--one-short.x12"
TRUNCATED = FIXTURES / "bad" / "file-truncated--mid-segment.x12"
TODAY = "2026-11-20"


def ebt(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def no_crash(result: Result) -> None:
    """The command ended by itself: an exit status, never an exception or a traceback."""
    if result.exception is not None:
        assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output


def validate_json(*paths: Path, strict: bool = False) -> tuple[int, dict[str, Any]]:
    args: list[str | Path] = ["validate", *paths, "--format", "json"]
    if strict:
        args.append("--strict")
    result = ebt(*args)
    no_crash(result)
    return result.exit_code, json.loads(result.stdout)


# -- exit codes ---------------------------------------------------------------------------


def test_validate_exit_0_for_a_good_file() -> None:
    result = ebt("validate", ENROLL)
    assert result.exit_code == 0, result.output
    assert "valid" in result.stdout


def test_validate_exit_0_for_all_good_files_at_once() -> None:
    assert ebt("validate", *GOOD).exit_code == 0


def test_validate_exit_1_for_a_bad_file() -> None:
    result = ebt("validate", SE_COUNT)
    assert result.exit_code == 1
    assert "SE-COUNT" in result.stdout


def test_validate_exit_1_when_any_file_is_bad() -> None:
    code, data = validate_json(ENROLL, SE_COUNT)
    assert code == 1
    assert [f["errors"] for f in data["files"]] == [0, 1]


@pytest.mark.parametrize("command", [["validate"], ["show"], ["--today", TODAY, "ack"]])
def test_missing_file_is_a_usage_error(command: list[str], tmp_path: Path) -> None:
    result = ebt(*command, tmp_path / "nothing-here.x12")
    assert result.exit_code == 2
    assert "does not exist" in result.output
    no_crash(result)


@pytest.mark.parametrize("command", [["validate"], ["show"], ["--today", TODAY, "ack"]])
def test_directory_is_a_usage_error(command: list[str]) -> None:
    result = ebt(*command, FIXTURES / "good")
    assert result.exit_code == 2
    assert "is a directory" in result.output


def test_validate_needs_a_path() -> None:
    assert ebt("validate").exit_code == 2


def test_bad_today_is_a_usage_error() -> None:
    result = ebt("--today", "2026-13-01", "ack", ENROLL)
    assert result.exit_code == 2
    assert "YYYY-MM-DD" in result.output


def test_show_exit_0_for_a_good_file_and_1_for_a_bad_one() -> None:
    assert ebt("show", ENROLL).exit_code == 0
    result = ebt("show", SE_COUNT)
    assert result.exit_code == 1
    assert "ebt validate" in result.stderr


# -- validate --format json ---------------------------------------------------------------

FILE_KEYS = {"path", "syntax", "interchanges", "transactions", "errors", "warnings", "findings"}
FINDING_KEYS = {"code", "severity", "message", "segment", "position", "element", "control_numbers"}


def check_report(report: dict[str, Any]) -> None:
    assert set(report) >= FILE_KEYS
    assert isinstance(report["path"], str) and report["syntax"] == "x12"
    for name in ("interchanges", "transactions", "errors", "warnings"):
        assert isinstance(report[name], int) and report[name] >= 0
    assert isinstance(report["findings"], list)
    severities = [f["severity"] for f in report["findings"]]
    if not report.get("findings_omitted"):
        assert report["errors"] == severities.count("error")
        assert report["warnings"] == severities.count("warning")
    for item in report["findings"]:
        assert set(item) >= FINDING_KEYS
        assert item["code"] in KINDS
        assert item["severity"] == KINDS[item["code"]].severity.value
        assert isinstance(item["message"], str) and len(item["message"]) > 10
        assert item["segment"] is None or isinstance(item["segment"], str)
        assert item["position"] is None or isinstance(item["position"], int)
        assert item["element"] is None or isinstance(item["element"], str)
        numbers = item["control_numbers"]
        assert isinstance(numbers, dict)
        assert set(numbers) <= {"interchange", "group", "transaction"}


def test_validate_json_shape_for_every_fixture() -> None:
    code, data = validate_json(*GOOD, *BAD)
    assert code == 1
    assert set(data) == {"files"}
    assert [f["path"] for f in data["files"]] == [str(p) for p in (*GOOD, *BAD)]
    for report in data["files"]:
        check_report(report)


def test_validate_json_locates_a_finding() -> None:
    _, data = validate_json(SE_COUNT)
    (item,) = data["files"][0]["findings"]
    assert item["code"] == "SE-COUNT" and item["severity"] == "error"
    assert (item["segment"], item["element"], item["position"]) == ("SE", "SE01", 16)
    assert item["control_numbers"] == {
        "interchange": "000000101",
        "group": "101",
        "transaction": "0001",
    }


def test_validate_text_names_code_place_and_fix() -> None:
    result = ebt("validate", SE_COUNT)
    assert "SE-COUNT" in result.stdout
    assert "ISA 000000101 / GS 101 / ST 0001" in result.stdout
    assert "fix: Make SE01 equal" in result.stdout


# -- --strict -----------------------------------------------------------------------------


def test_strict_stops_at_the_first_error() -> None:
    _, full = validate_json(TRUNCATED)
    code, strict = validate_json(TRUNCATED, strict=True)
    everything, first = full["files"][0], strict["files"][0]
    assert everything["errors"] > 1
    assert code == 1
    assert 1 <= first["errors"] < everything["errors"]
    assert len(first["findings"]) < len(everything["findings"])
    assert first["findings"][0]["code"] == everything["findings"][0]["code"]


def test_strict_changes_nothing_for_a_good_file() -> None:
    assert validate_json(ENROLL, strict=True) == validate_json(ENROLL)


# -- show --format json -------------------------------------------------------------------


def test_show_json_shape_and_kinds() -> None:
    seen: set[str] = set()
    for path in GOOD:
        result = ebt("show", path, "--format", "json")
        assert result.exit_code == 0, (path.name, result.output)
        data = json.loads(result.stdout)
        assert set(data) == {"transactions"}
        assert data["transactions"], path.name
        for record in data["transactions"]:
            assert record["kind"] in {k.value for k in Kind}
            seen.add(record["kind"])
    assert seen == {k.value for k in Kind}, "the good fixtures show every kind"


def test_show_tells_drop_request_from_drop_notice() -> None:
    kinds = {}
    for name in ("814-drop-request.x12", "814-drop-notice.x12"):
        result = ebt("show", FIXTURES / "good" / name, "--format", "json")
        kinds[name] = json.loads(result.stdout)["transactions"][0]["kind"]
    assert kinds == {"814-drop-request.x12": "drop_request", "814-drop-notice.x12": "drop_notice"}


def test_show_keeps_leading_zeros_of_the_account() -> None:
    result = ebt("show", ENROLL, "--format", "json")
    (record,) = json.loads(result.stdout)["transactions"]
    assert record["account"] == "00412345678"


def test_show_text() -> None:
    result = ebt("show", ENROLL)
    assert result.exit_code == 0
    assert result.stdout.startswith("enrollment_request")
    assert "00412345678" in result.stdout


# -- ack ------------------------------------------------------------------------------------


def test_ack_writes_a_997_to_standard_output() -> None:
    result = ebt("--today", TODAY, "ack", ENROLL)
    assert result.exit_code == 0
    assert result.stdout.startswith("ISA*")
    assert "AK1*GE*101~" in result.stdout
    assert "*261120*0000*" in result.stdout  # the --today date in ISA09


def test_ack_output_file(tmp_path: Path) -> None:
    target = tmp_path / "enroll.997"
    result = ebt("--today", TODAY, "ack", ENROLL, "-o", target, "--control-number", "42")
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert f"wrote {target}" in result.stderr
    text = target.read_text(encoding="ascii")
    assert text == ebt("--today", TODAY, "ack", ENROLL, "--control-number", "42").stdout
    assert "*000000042*" in text and "IEA*1*000000042~" in text
    assert "GS*FA*049876543*081234567*20261120*0000*42*X*004010~" in text


def test_ack_of_a_file_with_no_interchange_is_an_error() -> None:
    result = ebt("--today", TODAY, "ack", FIXTURES / "bad" / "file-empty--zero-bytes.x12")
    assert result.exit_code == 1
    assert "no acknowledgment can be written" in result.stderr
    assert "The file is empty." in result.stderr


def test_ack_control_number_stays_nine_digits() -> None:
    path = FIXTURES / "good" / "two-interchanges-mixed-separators.x12"
    result = ebt("--today", TODAY, "ack", path, "--control-number", "999999999")
    assert result.exit_code == 0
    controls = []
    at = result.stdout.find("ISA")
    while at >= 0:
        element = result.stdout[at + 3]
        isa = result.stdout[at:].split(element, 16)
        controls.append(isa[13])
        at = result.stdout.find("ISA", at + 106)
    assert len(controls) == 2
    assert all(len(c) == 9 and c.isdigit() for c in controls), controls


def test_ack_control_number_must_be_positive() -> None:
    assert ebt("ack", ENROLL, "--control-number", "0").exit_code == 2


# -- help ------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", [[], ["validate"], ["show"], ["ack"]])
def test_help_ends_with_examples(command: list[str]) -> None:
    result = ebt(*command, "--help")
    assert result.exit_code == 0
    sections = [s for s in re.split(r"\n\s*\n", result.stdout.strip()) if s.strip()]
    last = sections[-1].strip().splitlines()
    assert last[0] == "Examples:", result.stdout
    assert len(last) > 1 and all(line.strip().startswith("ebt ") for line in last[1:])


@pytest.mark.parametrize("command", [[], ["validate"], ["show"], ["ack"]])
def test_help_has_no_control_characters(command: list[str]) -> None:
    text = ebt(*command, "--help").stdout
    assert [c for c in text if ord(c) < 32 and c != "\n"] == []


# -- robustness ------------------------------------------------------------------------------

COMMANDS = {
    "validate": ["validate"],
    "validate-json": ["validate", "--format", "json"],
    "validate-strict": ["validate", "--strict"],
    "show": ["show"],
    "show-json": ["show", "--format", "json"],
    "ack": ["--today", TODAY, "ack"],
}


@pytest.mark.parametrize("path", BAD, ids=[p.name for p in BAD])
def test_no_traceback_on_a_bad_file(path: Path) -> None:
    for name, command in COMMANDS.items():
        result = ebt(*command, path)
        no_crash(result)
        assert result.exit_code in (0, 1), (name, result.exit_code, result.output)
