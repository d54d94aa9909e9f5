"""`ebt replay`: stored decisions evaluated again from their recorded facts, under the rules
then, now or a draft, read-only; `ebt rules check` and `ebt rules show`."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import update

from ebt.cli import main
from ebt.store.database import make_engine, session_factory
from ebt.store.schema import Decision

ROOT = Path(__file__).resolve().parent.parent
GOOD = ROOT / "fixtures" / "x12" / "good"
RULES = ROOT / "rules"
TODAY = "2026-11-20"
REQUESTS = sorted(GOOD.glob("814-*-request.x12"))


def run(*args: str, code: int = 0) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result.output


def processed(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'ebt.db'}"
    run("load", str(ROOT / "fixtures" / "reference"), "--db", url)
    out = tmp_path / "out"
    run("--today", TODAY, "process", *map(str, REQUESTS), "--db", url, "--out", str(out))
    return url


def replayed(url: str, *args: str) -> dict[str, object]:
    got: dict[str, object] = json.loads(
        run(
            "--today",
            TODAY,
            "replay",
            "--from",
            "2026-11-01",
            "--to",
            "2026-11-30",
            *args,
            "--db",
            url,
            "--format",
            "json",
        )
    )
    return got


def test_under_the_rules_then_every_decision_comes_out_the_same(tmp_path: Path) -> None:
    url = processed(tmp_path)
    result = replayed(url, "--rules", "then")
    decisions = result["decisions"]
    assert isinstance(decisions, list) and len(decisions) == len(REQUESTS)
    assert not any(d["changed"] or d["differences"] for d in decisions)
    enroll = next(d for d in decisions if d["before"]["outcome"] == "enroll")
    assert enroll["before"]["effective"] == enroll["after"]["effective"] is not None
    drop = next(d for d in decisions if d["before"]["outcome"].startswith("drop"))
    assert drop["after"]["effective"] == drop["before"]["effective"] is not None  # its policy


def test_a_draft_with_more_lead_days_shows_whom_it_would_treat_differently(
    tmp_path: Path,
) -> None:
    url = processed(tmp_path)
    draft = tmp_path / "draft"
    draft.mkdir()
    parameters = json.loads((RULES / "parameters-1.0.json").read_text())
    parameters.update(version="1.1", valid_from="2027-01-01", lead_business_days=20)
    (draft / "parameters-1.1.json").write_text(json.dumps(parameters))
    assert "parameters 1.1: ok" in run("rules", "check", str(draft))
    db = hashlib.sha256((tmp_path / "ebt.db").read_bytes()).hexdigest()
    result = replayed(url, "--rules", str(draft))
    decisions = result["decisions"]
    assert isinstance(decisions, list)
    enroll = next(d for d in decisions if d["before"]["outcome"] == "enroll")
    assert enroll["changed"] and enroll["after"]["effective"] != enroll["before"]["effective"]
    assert hashlib.sha256((tmp_path / "ebt.db").read_bytes()).hexdigest() == db  # read-only
    text = run(
        "--today", TODAY, "replay", "--from", "2026-11-01", "--rules", str(draft), "--db", url
    )
    assert "PTP-ENR-20261102-0001" in text and "under " in text
    assert f"{len(REQUESTS)} decision(s) replayed" in text and "(1 changed)" in text


def test_a_draft_table_changes_outcomes_and_names_the_steps_that_part(tmp_path: Path) -> None:
    url = processed(tmp_path)
    table = json.loads((RULES / "enrollment-1.0.json").read_text())
    table.update(version="1.1", valid_from="2027-01-01")
    # a draft that asks, where it asked about the licence, whether another CES serves
    table["steps"]["licensed"]["predicate"] = "account_has_other_ces"
    draft = tmp_path / "enrollment-1.1.json"
    draft.write_text(json.dumps(table))
    result = replayed(url, "--rules", str(draft))
    decisions = result["decisions"]
    assert isinstance(decisions, list)
    (enroll,) = [d for d in decisions if d["before"]["outcome"] == "enroll"]
    assert enroll["after"]["pair"] == "reject ANL" and enroll["changed"]
    assert enroll["after"]["table"] == "enrollment 1.1"
    parted = {d["step"]: (d["before"], d["after"]) for d in enroll["differences"]}
    assert parted["licensed"] == (True, False)
    assert parted["account_found"] == (True, None)  # asked before, not after
    counts = {(c["before"], c["after"]): (c["count"], c["changed"]) for c in result["counts"]}
    assert counts[("enroll", "reject ANL")] == (1, 1)


def test_decisions_without_recorded_facts_say_so(tmp_path: Path) -> None:
    url = processed(tmp_path)
    engine = make_engine(url)
    with session_factory(engine)() as session:
        session.execute(update(Decision).values(facts=None))
        session.commit()
    engine.dispose()
    text = run("--today", TODAY, "replay", "--from", "2026-11-01", "--all", "--db", url)
    assert "facts not recorded" in text
    result = replayed(url)
    assert all(d["after"] is None for d in result["decisions"])  # type: ignore[union-attr]


def test_replay_of_one_file_by_name(tmp_path: Path) -> None:
    url = processed(tmp_path)
    result = json.loads(
        run("--today", TODAY, "replay", "814-drop-request.x12", "--db", url, "--format", "json")
    )
    assert [d["file"] for d in result["decisions"]] == ["814-drop-request.x12"]
    run("replay", "--db", url, code=2)  # neither a file nor dates
    output = run("replay", "nothing.x12", "--db", url, code=1)
    assert "no inbound file named 'nothing.x12'" in output


def test_a_broken_draft_is_refused_naming_the_file_and_the_step(tmp_path: Path) -> None:
    table = json.loads((RULES / "drop-1.0.json").read_text())
    table.update(version="1.1")
    table["steps"]["serves"]["predicate"] = "ces_is_friendly"
    draft = tmp_path / "drop-1.1.json"
    draft.write_text(json.dumps(table))
    output = run("rules", "check", str(draft), code=1)
    assert (
        "drop-1.1.json" in output and "step 'serves': unknown predicate 'ces_is_friendly'" in output
    )
    table["steps"]["serves"]["predicate"] = "ces_serves_account"
    table["steps"]["off_cycle"]["yes"] = {"outcome": "reject", "code": "A13"}
    draft.write_text(json.dumps(table))
    assert "drop 1.1: ok" in run("rules", "check", str(draft))  # a draft may drop an outcome


def test_rules_show_draws_a_table_as_text_dot_and_mermaid() -> None:
    text = run("rules", "show", "enrollment")
    assert "[registered]" in text and "no => reject UND" in text
    dot = run("rules", "show", "move", "--format", "dot")
    assert dot.startswith('digraph "move 1.0"') and "->" in dot
    mermaid = run("rules", "show", "drop", "--version", "1.0", "--format", "mermaid")
    assert mermaid.startswith("flowchart TD") and "|yes|" in mermaid
    assert "no version '9.9'" in run("rules", "show", "drop", "--version", "9.9", code=1)
    assert "no decision table 'nothing'" in run("rules", "show", "nothing", code=1)
