"""Golden tests: every bundled fixture through the command line, compared with tests/golden/.

For each file under fixtures/x12/<good|bad>/ the golden folder holds
  <name>.validate.json  `ebt validate --format json` (path relative to the repository root)
  <name>.show.json      `ebt show --format json` (good files)
  <name>.997.x12        `ebt --today 2026-11-20 ack` (every file that yields one)
Run `pytest --update-golden` to rewrite them after an intended change; otherwise a mismatch
fails with a unified diff. Beyond the goldens, the tests check behaviour that must hold
whatever the wording: good files are clean, each bad file reports the code it is named for,
and a 997 is never answered with a 997.
"""

from __future__ import annotations

import difflib
import json
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from ebt.channel import FINDINGS as CHANNEL_FINDINGS
from ebt.cli import main
from ebt.findings import KINDS

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures" / "x12"
GOLDEN = ROOT / "tests" / "golden"
TODAY = "2026-11-20"

# Fixtures on which the engine is known to be wrong: {fixture: {aspect: reason}}. Aspects:
# "validate" the findings (and so the 997 built from them), "ack" the 997 agreeing with the
# findings, "ta1" the TA1 codes, "readback" the engine reading its own 997 back. A fixture
# wrong on any but "readback" has no golden 997 (nor golden findings, for "validate"); the
# aspect's behaviour test is a strict xfail, so that the fix shows up as an XPASS: then drop
# the entry here and run `pytest --update-golden`.
#
# - TA1 for an ISA of the wrong width: docs/decisions/0004 says E, but ISA-WIDTH is a reader
#   (file) finding that never reaches the interchange's TA1, and the short element is also an
#   ISA-VALUE error, so the TA1 is R with note 024.
KNOWN_BUGS: dict[str, dict[str, str]] = {}


# -- running the command line ----------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    exit_code: int
    stdout: str  # exactly as written: click's Result.stdout would turn CR LF into LF
    stderr: str
    exception: BaseException | None


@cache
def run(*args: str) -> Run:
    """Run `ebt ARGS` from the repository root (so fixture paths are relative); cached, as
    several tests read the same output."""
    here = Path.cwd()
    os.chdir(ROOT)
    try:
        result = CliRunner().invoke(main, list(args))
    finally:
        os.chdir(here)
    exception = None if isinstance(result.exception, SystemExit) else result.exception
    stdout = result.stdout_bytes.decode("latin-1")
    return Run(result.exit_code, stdout, result.stderr, exception)


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def key(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


def validate_report(path: Path) -> dict[str, Any]:
    result = run("validate", rel(path), "--format", "json")
    assert result.exception is None, result.exception
    files = json.loads(result.stdout)["files"]
    assert len(files) == 1
    report: dict[str, Any] = files[0]
    return report


def show_records(path: Path) -> list[dict[str, Any]]:
    result = run("show", rel(path), "--format", "json")
    assert result.exception is None, result.exception
    records: list[dict[str, Any]] = json.loads(result.stdout)["transactions"]
    return records


def ack_run(path: Path) -> Run:
    result = run("--today", TODAY, "ack", rel(path))
    assert result.exception is None, result.exception
    return result


def x12_segments(text: str) -> list[list[str]]:
    """Split X12 text (one or more interchanges, each with its own separators) into
    segments, independently of the engine's reader."""
    out: list[list[str]] = []
    at = text.find("ISA")
    while at >= 0:
        element, terminator = text[at + 3], text[at + 105]
        iea = text.find("IEA" + element, at)
        end = text.find(terminator, iea) + 1 if iea >= 0 else len(text)
        for raw in text[at:end].split(terminator):
            raw = raw.strip("\r\n")
            if raw:
                out.append(raw.split(element))
        rest = text[end:].lstrip("\r\n")
        at = len(text) - len(rest) if rest.startswith("ISA") else -1
    return out


# -- golden files ----------------------------------------------------------------------------


def golden_path(fixture: Path, suffix: str) -> Path:
    return GOLDEN / fixture.parent.name / f"{fixture.name}{suffix}"


def check_golden(target: Path, actual: bytes, update: bool) -> None:
    """Compare `actual` with the golden file, or rewrite it under --update-golden."""
    name = rel(target)
    if update:
        if not target.exists() or target.read_bytes() != actual:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(actual)
        return
    if not target.exists():
        pytest.fail(f"{name} is missing; run `pytest --update-golden` to write it", False)
    expected = target.read_bytes()
    if expected == actual:
        return
    diff = "".join(
        difflib.unified_diff(
            expected.decode("latin-1").splitlines(keepends=True),
            actual.decode("latin-1").splitlines(keepends=True),
            fromfile=f"{name} (golden)",
            tofile="current output",
        )
    )
    pytest.fail(
        f"output differs from {name}; if the change is intended, rerun with "
        f"`pytest --update-golden`\n{diff}",
        False,
    )


def machine_independent(text: str) -> str:
    """Paths are given relative to the repository root already; this guards the goldens
    against an absolute path slipping into a message."""
    return text.replace(str(ROOT) + os.sep, "").replace(str(ROOT), ".")


# -- parameters --------------------------------------------------------------------------------

ALL = sorted(FIXTURES.glob("*/*.x12"))
GOOD = [p for p in ALL if p.parent.name == "good"]
BAD = [p for p in ALL if p.parent.name == "bad"]


def params(paths: list[Path], aspect: str | None = None) -> list[Any]:
    """Fixtures as pytest params; with `aspect`, a strict xfail where the engine is known
    to be wrong on it."""
    out = []
    for path in paths:
        reason = KNOWN_BUGS.get(key(path), {}).get(aspect or "")
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        out.append(pytest.param(path, id=key(path), marks=marks))
    return out


def skip_known_wrong(path: Path, target: Path, update: bool, *aspects: str) -> None:
    """Skip the golden `target` of a fixture the engine is known to get wrong (and, under
    --update-golden, remove a golden that would freeze the wrong output)."""
    bugs = KNOWN_BUGS.get(key(path), {})
    for aspect in aspects:
        if aspect in bugs:
            if update and target.exists():
                target.unlink()
            pytest.skip(f"no golden while the engine is wrong: {bugs[aspect]}")


def expected_code(path: Path) -> str:
    """The finding code a fixture is named for: `se-count--one-short.x12` -> SE-COUNT."""
    return path.name.split("--")[0].removeprefix("warn-").upper()


# -- the fixture set itself ---------------------------------------------------------------------


def test_fixture_set_is_complete() -> None:
    assert len(ALL) >= 45
    flavours = {
        f"814-{kind}-{step}.x12"
        for kind in ("enrollment", "change", "drop", "reinstatement")
        for step in ("request", "accept", "reject")
    } | {"814-drop-notice.x12", "997-functional-ack.x12", "824-application-advice.x12"}
    assert flavours <= {p.name for p in GOOD}
    for path in BAD:
        assert "--" in path.name, f"{path.name}: name it <finding-code>--<what>.x12"


def test_every_finding_code_has_a_fixture() -> None:
    """Each catalogued finding has a file showing it: an error in bad/ (of X12, or of the
    XML and EDIFACT forms for their own codes), a warning as a warn-<code>--<what>.x12 file."""
    other_syntaxes = [
        *ROOT.glob("fixtures/xml/bad/*.xml"),
        *ROOT.glob("fixtures/edifact/bad/*.edi"),
    ]
    named = {expected_code(p) for p in [*BAD, *other_syntaxes]} | {
        expected_code(p) for p in GOOD if p.name.startswith("warn-")
    }
    # a file shows these only with the channel it came by: tests/test_channel.py does
    named |= set(CHANNEL_FINDINGS)
    assert set(KINDS) - named == set()
    assert named - set(KINDS) == set(), "a fixture is named for a code that does not exist"


def test_no_stale_golden_files(update_golden: bool) -> None:
    names = {f"{key(p)}{s}" for p in ALL for s in (".validate.json", ".show.json", ".997.x12")}
    stale = sorted(
        f"{p.parent.name}/{p.name}"
        for p in GOLDEN.glob("*/*")
        if p.is_file() and f"{p.parent.name}/{p.name}" not in names
    )
    if update_golden:
        for name in stale:
            (GOLDEN / name).unlink()
        return
    assert stale == [], "golden files without a fixture; run `pytest --update-golden`"


# -- goldens ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fixture", params(ALL))
def test_validate_golden(fixture: Path, update_golden: bool) -> None:
    """The golden is what `ebt validate PATH --format json` prints from the repository root."""
    target = golden_path(fixture, ".validate.json")
    skip_known_wrong(fixture, target, update_golden, "validate")
    assert validate_report(fixture)["path"] == rel(fixture)
    output = machine_independent(run("validate", rel(fixture), "--format", "json").stdout)
    check_golden(target, output.encode("ascii"), update_golden)


@pytest.mark.parametrize("fixture", params(GOOD))
def test_show_golden(fixture: Path, update_golden: bool) -> None:
    """The golden is what `ebt show PATH --format json` prints."""
    assert show_records(fixture)
    output = machine_independent(run("show", rel(fixture), "--format", "json").stdout)
    check_golden(golden_path(fixture, ".show.json"), output.encode("ascii"), update_golden)


@pytest.mark.parametrize("fixture", params(ALL))
def test_ack_golden(fixture: Path, update_golden: bool) -> None:
    target = golden_path(fixture, ".997.x12")
    skip_known_wrong(fixture, target, update_golden, "validate", "ack", "ta1")
    result = ack_run(fixture)
    if result.exit_code == 0 and not result.stdout:
        # Only 997 groups and a sound envelope: nothing is owed, and no golden 997.
        assert "nothing to acknowledge" in result.stderr
        if update_golden and target.exists():
            target.unlink()
        assert not target.exists(), f"{rel(target)} is stale; run `pytest --update-golden`"
        return
    if result.exit_code != 0:
        # No interchange to answer: a one-line error, and no golden 997.
        assert result.exit_code == 1
        assert "no acknowledgment can be written" in result.stderr
        assert result.stdout == ""
        if update_golden and target.exists():
            target.unlink()
        assert not target.exists(), f"{rel(target)} is stale; run `pytest --update-golden`"
        return
    check_golden(target, result.stdout.encode("latin-1"), update_golden)


# -- behaviour -------------------------------------------------------------------------------


@pytest.mark.parametrize("fixture", params(GOOD))
def test_good_file_is_clean_and_reads_back(fixture: Path) -> None:
    result = run("validate", rel(fixture), "--format", "json")
    assert result.exit_code == 0, result.stdout
    report = validate_report(fixture)
    errors = [f for f in report["findings"] if f["severity"] == "error"]
    assert report["errors"] == 0 and errors == []
    assert report["interchanges"] >= 1 and report["transactions"] >= 1
    if fixture.name.startswith("warn-"):
        warned = {f["code"] for f in report["findings"] if f["severity"] == "warning"}
        assert expected_code(fixture) in warned
    else:
        assert report["findings"] == []
    shown = run("show", rel(fixture), "--format", "json")
    assert shown.exit_code == 0 and shown.stderr == ""
    records = show_records(fixture)
    assert len(records) == report["transactions"], "show must give a record per set"
    for record in records:
        assert set(record["control_numbers"]) == {"interchange", "group", "transaction"}


@pytest.mark.parametrize("fixture", params(BAD, "validate"))
def test_bad_file_reports_its_code(fixture: Path) -> None:
    result = run("validate", rel(fixture), "--format", "json")
    assert result.exit_code == 1, result.stdout
    report = validate_report(fixture)
    assert report["errors"] >= 1
    codes = {f["code"] for f in report["findings"]}
    assert expected_code(fixture) in codes, f"{expected_code(fixture)} not in {sorted(codes)}"
    for item in report["findings"]:
        assert item["message"] and item["message"][-1] in ".)'\"", item["message"]


def _ack_segments(fixture: Path) -> list[list[str]] | None:
    result = ack_run(fixture)
    return x12_segments(result.stdout) if result.exit_code == 0 and result.stdout else None


@pytest.mark.parametrize("fixture", params(ALL))
def test_ack_never_answers_a_997(fixture: Path) -> None:
    segments = _ack_segments(fixture)
    if segments is None:
        return  # no interchange to answer (test_ack_golden checks the error)
    assert all(s[0] != "AK1" or s[1] != "FA" for s in segments)
    assert all(s[0] != "AK2" or s[1] != "997" for s in segments)
    # the answer is itself well formed: every interchange ends, counts add up
    isas = [s for s in segments if s[0] == "ISA"]
    assert len(isas) == sum(1 for s in segments if s[0] == "IEA") >= 1
    sets = [i for i, s in enumerate(segments) if s[0] == "ST"]
    for start in sets:
        end = next(i for i in range(start, len(segments)) if segments[i][0] == "SE")
        assert segments[end][1] == str(end - start + 1)
        assert segments[end][2] == segments[start][2]


def test_997_fixture_gets_no_functional_ack() -> None:
    for name in ("good/997-functional-ack.x12", "bad/segment-missing--997-without-ak9.x12"):
        result = ack_run(FIXTURES / name)
        assert result.exit_code == 0
        assert result.stdout == ""  # not even an empty interchange
        assert "nothing to acknowledge" in result.stderr


@pytest.mark.parametrize("fixture", params(ALL, "ack"))
def test_ack_agrees_with_validate(fixture: Path) -> None:
    """The 997 tells the same story as `validate`: an error is never answered with an
    all-clear, a warning never rejects, and an AK3 with code 8 (element errors) says which
    element (AK4)."""
    segments = _ack_segments(fixture)
    if segments is None or not any(s[0] in ("AK1", "TA1") for s in segments):
        return  # nothing answered: no interchange, or only 997 groups (never acknowledged)
    report = validate_report(fixture)
    statuses = [s[1] for s in segments if s[0] in ("AK5", "AK9")]
    has_ta1 = any(s[0] == "TA1" for s in segments)
    outside = {"FILE-TRAILING-DATA"}  # after the last IEA: the interchange itself is whole
    inside_errors = [
        f for f in report["findings"] if f["severity"] == "error" and f["code"] not in outside
    ]
    if inside_errors:
        assert has_ta1 or any(s != "A" for s in statuses), "errors answered with an all-clear"
    else:
        assert not has_ta1 and all(s in ("A", "E") for s in statuses)
    for i, segment in enumerate(segments):
        if segment[0] == "AK3" and len(segment) > 4 and segment[4] == "8":
            follows = segments[i + 1] if i + 1 < len(segments) else ["SE"]
            assert follows[0] == "AK4", f"AK3 {'*'.join(segment)} has no AK4"


@pytest.mark.parametrize(
    "fixture", params([FIXTURES / "bad" / "isa-width--short-sender.x12"], "ta1")
)
def test_ta1_for_a_readable_wrong_width_isa(fixture: Path) -> None:
    """docs/decisions/0004: a TA1 is R, except for an ISA of the wrong width that could still
    be read (E); the TA1 note code for a wrong-width ISA is 022."""
    segments = _ack_segments(fixture)
    assert segments is not None
    assert [(s[4], s[5]) for s in segments if s[0] == "TA1"] == [("E", "022")]


# A 997 rightly echoes what it answers (AK101 GS01, AK201 ST01, AK202 ST02), even a value the
# 997 guide's code lists or lengths do not allow; reading such a 997 back flags the echo.
ECHOES_BAD_VALUE = {
    "bad/element-too-short--st02-one-digit.x12",  # AK202 '1'
}


@pytest.mark.parametrize("fixture", params(ALL, "readback"))
def test_ack_reads_back_clean(fixture: Path, tmp_path: Path) -> None:
    """What `ebt ack` writes, `ebt validate` accepts and `ebt show` reads as 997s."""
    result = ack_run(fixture)
    if result.exit_code != 0 or not result.stdout or key(fixture) in ECHOES_BAD_VALUE:
        return
    answer = tmp_path / "answer.x12"
    answer.write_bytes(result.stdout.encode("latin-1"))
    checked = CliRunner().invoke(main, ["validate", str(answer), "--format", "json"])
    report = json.loads(checked.stdout)["files"][0]
    assert checked.exit_code == 0, [f["message"] for f in report["findings"]]
    assert report["findings"] == []
    shown = CliRunner().invoke(main, ["show", str(answer), "--format", "json"])
    assert shown.exit_code == 0
    records = json.loads(shown.stdout)["transactions"]
    assert {r["kind"] for r in records} <= {"functional_ack"}
    assert len(records) == sum(1 for s in x12_segments(result.stdout) if s[0] == "AK1")
