"""The code catalogue (transactions/codes.json, ebt/codes.py), `ebt codes`, and every code
shown to a person with its meaning: explain, status, account show, the process and sweep
summaries, and `ebt show` of a 997, an 824 and an 814."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from ebt.cli import main
from ebt.cli.codes import KINDS_HELP
from ebt.codes import CatalogueError, Source, default_catalogue, load_catalogue
from ebt.data.guides import default_guidebook, load_guidebook
from ebt.findings import KINDS, FindingKind, Severity

ROOT = Path(__file__).resolve().parents[1]
GOOD = ROOT / "fixtures" / "x12" / "good"
TODAY = "2026-11-20"


def ebt(*args: str | Path, stdin: bytes | None = None) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], input=stdin)


def copied_transactions(tmp_path: Path) -> Path:
    folder = tmp_path / "transactions"
    shutil.copytree(ROOT / "transactions", folder)
    return folder


def edited(path: Path, change: Any) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data), encoding="utf-8")


# -- the catalogue ----------------------------------------------------------------------------


def test_the_lists_the_issue_names_are_there_with_their_codes() -> None:
    catalogue = default_catalogue()
    assert catalogue.meaning("reject", "A13") == "other"
    assert catalogue.meaning("reject", "UND") == "cannot identify the supplier"
    assert catalogue.meaning("status", "W09") is not None
    assert catalogue.meaning("ak3", "8") == "segment has data element errors"
    assert catalogue.meaning("ak4", "1") == "mandatory data element missing"
    assert catalogue.meaning("ak5", "R") == "rejected"
    assert catalogue.meaning("ak5-error", "5") == "one or more segments in error"
    assert catalogue.meaning("ak9", "P") is not None
    assert catalogue.meaning("ak9-error", "3") is not None
    assert set(catalogue.list("ta1").codes) == {"A", "E", "R"}
    assert {f"{n:03d}" for n in range(32)} == set(catalogue.list("ta1-note").codes)
    assert set(KINDS) <= set(catalogue.list("finding").codes)


def test_guide_lists_are_read_from_the_guide_not_copied(tmp_path: Path) -> None:
    folder = copied_transactions(tmp_path)
    guide = folder / "guides" / "814-3.0.json"
    edited(guide, lambda g: g["code_lists"]["rejection_reason"].update({"A13": "something else"}))
    catalogue = load_catalogue(folder / "codes.json", load_guidebook(folder))
    assert catalogue.meaning("reject", "A13") == "something else"
    assert '"A13"' not in (folder / "codes.json").read_text(encoding="utf-8")


def test_a_later_guide_version_adds_codes_and_its_meanings_win(tmp_path: Path) -> None:
    folder = copied_transactions(tmp_path)
    later = json.loads((folder / "guides" / "814-3.0.json").read_text(encoding="utf-8"))
    later["version"], later["valid_from"] = "3.1", "2030-01-01"
    later["code_lists"]["rejection_reason"] = {"A13": "other reason", "ZZZ": "[ME] new"}
    (folder / "guides" / "814-3.1.json").write_text(json.dumps(later), encoding="utf-8")
    catalogue = load_catalogue(folder / "codes.json", load_guidebook(folder))
    assert catalogue.meaning("reject", "A13") == "other reason"
    assert catalogue.meaning("reject", "NFI") == "not first in"  # kept from 3.0
    assert catalogue.find("ZZZ", "reject")[0].source is Source.ME


def test_sources_are_tagged_as_domain_md_tags_facts() -> None:
    catalogue = default_catalogue()
    (mrc,) = catalogue.find("MRC")
    assert mrc.source is Source.PROJECT and mrc.meaning.startswith("the meter cannot")
    assert catalogue.find("NFI", "reject")[0].source is Source.UIG
    assert catalogue.find("8", "ak3")[0].source is Source.X12
    assert catalogue.find("DAT", "advice-error")[0].source is Source.PROJECT
    assert catalogue.find("SE-COUNT")[0].source is Source.PROJECT


def test_a_finding_is_told_by_its_severity_fix_and_acknowledgment_codes() -> None:
    (code,) = default_catalogue().find("ELEMENT-MISSING")
    assert code.severity == "error"
    assert code.fix == KINDS["ELEMENT-MISSING"].fix
    assert code.acknowledged_as == (("ak3", "8"), ("ak4", "1"))
    assert "AK4 1 (mandatory data element missing)" in code.meaning


def test_a_finding_acknowledged_with_an_unknown_code_is_a_catalogue_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    broken = FindingKind("BROKEN", Severity.ERROR, "Fix it.", ak3="8", ak4="99")
    monkeypatch.setitem(KINDS, "BROKEN", broken)
    with pytest.raises(CatalogueError, match="BROKEN is acknowledged with AK4 '99'"):
        load_catalogue()


def test_the_same_code_meaning_two_things_in_one_list_is_a_catalogue_error(
    tmp_path: Path,
) -> None:
    folder = copied_transactions(tmp_path)
    guide = folder / "guides" / "824-3.0.json"
    edited(guide, lambda g: g["code_lists"]["purpose"].update({"11": "a reply"}))
    with pytest.raises(CatalogueError, match="purpose 11 means"):
        load_catalogue(folder / "codes.json", load_guidebook(folder))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda c: c["lists"][0].update(source="IL"), "source 'IL' is not one of"),
        (lambda c: c["lists"][1].update(kind="reject"), "the kind 'reject' is listed twice"),
        (lambda c: c["lists"][0]["from"][0].update(list="nope"), "no 814 guide has a code list"),
        (lambda c: c["lists"][0]["from"][0].update(guide="810"), "there is no 810 guide"),
        (lambda c: c["lists"].insert(0, c["lists"].pop()), "the finding list comes before"),
    ],
)
def test_mistakes_in_codes_json_are_catalogue_errors(
    tmp_path: Path, change: Any, message: str
) -> None:
    folder = copied_transactions(tmp_path)
    edited(folder / "codes.json", change)
    with pytest.raises(CatalogueError, match=message):
        load_catalogue(folder / "codes.json", default_guidebook())


def test_codes_the_sweeps_record_are_in_the_catalogue() -> None:
    recorded = set()
    for path in (ROOT / "ebt").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        recorded |= set(re.findall(r'code="([A-Z0-9]+(?:-[A-Z0-9]+)+)"', text))
        recorded |= set(re.findall(r'_finding_row\([^,]+, "([A-Z0-9-]+)"', text))
    assert recorded >= {"DUPLICATE-FILE", "DUPLICATE-INTERCHANGE", "ISA15-MODE"}
    assert recorded <= set(default_catalogue().list("finding").codes)


def test_labels_and_counts_read_as_the_issue_asks() -> None:
    catalogue = default_catalogue()
    assert catalogue.label("reject", "A13") == "A13 (other)"
    assert catalogue.label("reject", "XYZ") == "XYZ (not in the rejection reason list)"
    assert (
        catalogue.counted("reject", {"UND": 1, "A13": 1})
        == "A13 (other) 1, UND (cannot identify the supplier) 1"
    )


# -- ebt codes ----------------------------------------------------------------------------------


def test_codes_shows_a_code_in_every_list_that_has_it() -> None:
    result = ebt("codes", "a13")
    assert result.exit_code == 0, result.output
    assert "A13  other" in result.stdout
    assert "rejection reason (reject): REF02 of REF*7G" in result.stdout
    assert "application error (advice-error): TED01 (824)" in result.stdout
    five = json.loads(ebt("codes", "5", "--format", "json").stdout)["codes"]
    assert {c["kind"] for c in five} == {"ak3", "ak4", "ak5-error", "ak9-error"}


def test_codes_kind_narrows_and_lists() -> None:
    (only,) = json.loads(ebt("codes", "5", "--kind", "ak5-error", "--format", "json").stdout)[
        "codes"
    ]
    assert only == {
        "code": "5",
        "meaning": "one or more segments in error",
        "source": "X12",
        "kind": "ak5-error",
        "list": "transaction set syntax error",
        "element": "AK502..AK506 (997)",
    }
    listed = ebt("codes", "--kind", "reject")
    assert listed.exit_code == 0
    assert "  UND  cannot identify the supplier\n" in listed.stdout
    assert "  MRC  the meter cannot support the structure of the CES rate code [PROJECT]" in (
        listed.stdout
    )


def test_codes_of_a_finding_gives_its_fix_and_acknowledgment() -> None:
    (item,) = json.loads(ebt("codes", "SE-COUNT", "--format", "json").stdout)["codes"]
    assert item["severity"] == "error"
    assert item["fix"].startswith("Make SE01 equal")
    assert item["acknowledged_as"] == [{"kind": "ak5-error", "code": "4"}]


def test_codes_without_a_code_lists_every_list() -> None:
    everything = json.loads(ebt("codes", "--format", "json").stdout)["codes"]
    assert {c["kind"] for c in everything} == set(default_catalogue().lists)


def test_codes_exit_1_for_an_unknown_code_and_2_for_an_unknown_kind() -> None:
    unknown = ebt("codes", "XYZ")
    assert unknown.exit_code == 1
    assert "no code 'XYZ' in the catalogue" in unknown.stderr
    bad_kind = ebt("codes", "A13", "--kind", "nope")
    assert bad_kind.exit_code == 2
    assert "reject, status" in bad_kind.stderr


def test_codes_help_names_every_kind() -> None:
    named = [k.split(" (")[0] for k in KINDS_HELP.split(", ")]
    assert named == list(default_catalogue().lists)
    shown = re.sub(r"-\n\s*", "-", ebt("codes", "--help").stdout)  # click wraps at hyphens
    assert " ".join(KINDS_HELP.split()) in " ".join(shown.split())


# -- ebt show: a 997 and an 824 as text, an 814 with its codes' meanings ----------------------


def test_show_of_a_997_reads_as_sentences() -> None:
    """Regression: a 997 was printed as one JSON line ("errors": ["5"] ... "code": "8")."""
    result = ebt("show", GOOD / "997-functional-ack.x12")
    assert result.exit_code == 0
    lines = [line.strip() for line in result.stdout.splitlines()]
    assert lines[1] == (
        "group GE 101: partially accepted, at least one transaction set was rejected (AK9 P)"
        " — 1 of 2 sets accepted"
    )
    assert lines[2:] == [
        "set 814 0001: accepted (AK5 A)",
        "set 814 0002: rejected (AK5 R: 5 = one or more segments in error)",
        "segment N4 at position 7 in loop N1 (AK3 8 = segment has data element errors)",
        'element 2 (N402, data element 156), value "XX" (AK4 7 = invalid code value)',
    ]
    assert '"errors"' not in result.stdout


def test_show_of_a_rejected_997_names_the_group_error() -> None:
    ack = ebt(
        "--today", TODAY, "ack", ROOT / "fixtures" / "x12" / "bad" / "ge-count--one-short.x12"
    )
    shown = ebt("show", "-", stdin=ack.stdout.encode("ascii")).stdout
    assert (
        "group GE 101: rejected (AK9 R: 5 = number of included transaction sets does not match"
        " actual count) — 2 of 2 sets accepted (its GE said 1)"
    ) in shown


def test_show_of_an_824_reads_as_sentences() -> None:
    result = ebt("show", GOOD / "824-application-advice.x12")
    assert result.exit_code == 0
    text = result.stdout
    assert "purpose 00 (original)" in text
    assert "account 00999000111: transaction set reject (OTI01 TR)" in text
    assert "error A76 (account not found): ACCOUNT NOT FOUND" in text
    assert "error DAT (invalid or missing date): METER READ END DATE BEFORE START DATE" in text
    assert '"code"' not in text


def test_show_of_an_814_gives_its_codes_meanings() -> None:
    text = ebt("show", GOOD / "814-enrollment-reject.x12").stdout
    assert "action              U (reject)" in text
    assert "maintenance         021 (addition (enrollment))" in text
    assert (
        "reject_reasons      NFI (not first in): NOT FIRST IN: ENROLLMENT ALREADY PENDING" in text
    )
    assert "                    API (required information missing): CUSTOMER NAME" in text
    assert "control_numbers     ISA 000005118 / GS 5118 / ST 0001" in text


def test_show_json_keeps_the_records_as_they_are() -> None:
    (ack,) = json.loads(ebt("show", GOOD / "997-functional-ack.x12", "--format", "json").stdout)[
        "transactions"
    ]
    assert ack["sets"][1]["errors"] == ["5"]
    assert ack["sets"][1]["segment_errors"][0]["code"] == "8"


# -- meanings wherever the store's codes are shown ------------------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """The demo sweep (one reinstatement rejected A13): its output and its store's URL."""
    folder = tmp_path_factory.mktemp("codes") / "demo"
    result = ebt("--today", TODAY, "sweep", "demo", "--folder", folder)
    assert result.exit_code == 0, result.output
    return result.output, f"sqlite:///{folder / 'ebt.db'}"


def test_sweep_summary_gives_reject_codes_with_their_meanings(demo: tuple[str, str]) -> None:
    assert "rejected by code: A13 (other) 1" in demo[0]


def test_explain_gives_the_reject_code_with_its_meaning(demo: tuple[str, str]) -> None:
    """Regression: `outcome: reject (REF*7G A13)`."""
    text = ebt("explain", "ACA-RIN-20261105-0003", "--db", demo[1]).stdout
    assert "outcome: reject (REF*7G A13: other)" in text
    (decision,) = json.loads(
        ebt("explain", "ACA-RIN-20261105-0003", "--db", demo[1], "--format", "json").stdout
    )["decisions"]
    assert (decision["code"], decision["code_meaning"]) == ("A13", "other")


def test_status_gives_reject_codes_with_their_meanings(demo: tuple[str, str]) -> None:
    """Regression: `reject codes  A13 1`."""
    text = ebt("--today", TODAY, "status", "--db", demo[1]).stdout
    assert "reject codes  A13 (other) 1\n" in text
    view = json.loads(ebt("--today", TODAY, "status", "--db", demo[1], "--format", "json").stdout)
    assert view["reject_codes"] == {"A13": 1}
    assert view["reject_code_meanings"] == {"A13": "other"}


def test_account_show_gives_reject_codes_with_their_meanings(demo: tuple[str, str]) -> None:
    text = ebt("--today", TODAY, "account", "show", "00734500019", "--db", demo[1]).stdout
    assert "ACA-RIN-20261105-0003    reject A13 (other)" in text
    view = json.loads(
        ebt(
            "--today", TODAY, "account", "show", "00734500019", "--db", demo[1], "--format", "json"
        ).stdout
    )
    decision = next(t["decision"] for t in view["transactions"] if t["decision"])
    assert (decision["code"], decision["code_meaning"]) == ("A13", "other")


def test_process_summary_gives_reject_codes_with_their_meanings(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ebt.db'}"
    assert ebt("load", ROOT / "fixtures" / "reference", "--db", url).exit_code == 0
    first = (GOOD / "814-drop-request.x12").read_text(encoding="ascii")
    again = tmp_path / "again.x12"  # the same request in another interchange: ABN
    again.write_text(first.replace("000000342", "000000343"), encoding="ascii")
    ebt("--today", TODAY, "process", GOOD / "814-drop-request.x12", "--db", url, "--out", tmp_path)
    result = ebt("--today", TODAY, "process", again, "--db", url, "--out", tmp_path / "out")
    assert "rejected by code: ABN (duplicate request) 1" in result.output, result.output
