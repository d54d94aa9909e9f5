"""`--format json` on the commands that act (process, the sweeps, load, move, tenant,
landlord, meter-exchange, partners check): one JSON object on stdout with the facts the
text gives, and the exit code the text mode exits with. Each command runs twice, as text
and as JSON, on two stores made alike."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from ebt.cli import main

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "fixtures" / "reference"
GOOD = ROOT / "fixtures" / "x12" / "good"
EMPTY = ROOT / "fixtures" / "x12" / "bad" / "file-empty--zero-bytes.x12"
REQUESTS = sorted(GOOD.glob("814-*-request.x12"))
TODAY = "2026-11-20"
SENDERS = {  # who sends each bundled request in fixtures/partners/demo.toml
    "814-enrollment-request.x12": "pine-tree",
    "814-change-request.x12": "acadia",
    "814-reinstatement-request.x12": "acadia",
    "814-drop-request.x12": "katahdin",
}
NEW_ACCOUNT = {
    "account_number": "00500000003",
    "customer_name": "ANNA B GAGNON",
    "premise_number": "P000000003",
    "bill_cycle": "07",
    "status": "active",
    "opened_on": "2026-12-01",
    "rate_class": "A",
    "services": "EL",
}


def ebt(*args: str | Path) -> Result:
    result = CliRunner().invoke(main, [str(a) for a in args])
    if result.exception is not None:  # an exit status, never a traceback
        assert isinstance(result.exception, SystemExit), repr(result.exception)
    return result


def document(result: Result) -> dict[str, Any]:
    """stdout is one JSON object and nothing else."""
    data = json.loads(result.stdout)
    assert isinstance(data, dict), result.stdout
    return data


def store(folder: Path, *extra: Path) -> str:
    """A SQLite store in `folder` with the bundled utility (and `extra` reference files)."""
    folder.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{folder / 'ebt.db'}"
    for paths in (REFERENCE, *extra):
        assert ebt("load", paths, "--db", url).exit_code == 0
    return url


def twice(
    tmp_path: Path, args: list[str | Path], *extra: Path, today: str = TODAY
) -> tuple[Result, Result, Path]:
    """`args` as text and as JSON, each on its own fresh store; `{db}` and `{out}` in the
    arguments are that store's URL and an outbound folder beside it. The JSON run's folder
    comes back too."""
    results = []
    for fmt in ("text", "json"):
        folder = tmp_path / fmt
        url = store(folder, *extra)
        given = [url if a == "{db}" else folder / "out" if a == "{out}" else a for a in args]
        results.append(ebt("--today", today, *given, "--format", fmt))
    return results[0], results[1], tmp_path / "json"


def sets_in(path: Path) -> int:
    return len(document(ebt("show", path, "--format", "json"))["transactions"])


# -- ebt process ------------------------------------------------------------------------------


def test_process_json_counts_every_set_decided_and_names_the_files_written(
    tmp_path: Path,
) -> None:
    args: list[str | Path] = ["process", *REQUESTS, "--db", "{db}", "--out", "{out}"]
    text, as_json, _ = twice(tmp_path, args)
    assert as_json.exit_code == text.exit_code == 0
    data = document(as_json)
    assert set(data) == {"files", "written", "seconds"}
    files = data["files"]
    assert [f["file"] for f in files] == [p.name for p in REQUESTS]
    assert [f["path"] for f in files] == [str(p) for p in REQUESTS]
    assert sum(f["transactions"] for f in files) == sum(sets_in(p) for p in REQUESTS) == 4
    for each in files:
        assert sum(each["outcomes"].values()) + each["syntax_errors"] == each["transactions"]
    (reinstatement,) = [f for f in files if f["file"] == "814-reinstatement-request.x12"]
    assert reinstatement["outcomes"] == {"reject": 1}
    assert reinstatement["reject_codes"] == {"A13": 1}
    assert reinstatement["reject_code_meanings"] == {"A13": "other"}
    assert "A13 (other) 1" in text.stdout  # the same fact, as the text says it
    written = [Path(p) for p in data["written"]]
    assert len(written) == text.stdout.count("\nwrote ") + text.stdout.startswith("wrote ") == 3
    assert all(p.is_file() and p.read_text(encoding="ascii").startswith("ISA*") for p in written)
    assert isinstance(data["seconds"], float) and data["seconds"] >= 0


def test_process_json_of_a_file_with_problems_exits_1_as_the_text_does(tmp_path: Path) -> None:
    text, as_json, _ = twice(tmp_path, ["process", EMPTY, "--db", "{db}", "--out", "{out}"])
    assert as_json.exit_code == text.exit_code == 1
    (file,) = document(as_json)["files"]
    assert file["transactions"] == 0
    assert file["problems"] == ["FILE-EMPTY: The file is empty."]
    assert "FILE-EMPTY: The file is empty." in text.stderr
    assert as_json.stderr == ""  # the problem is in the document, not also on stderr


# -- ebt sweep --------------------------------------------------------------------------------


def partners(folder: Path, *, deliver: bool = True) -> Path:
    """The demo partners' configuration in `folder`, their outbound folders made and, with
    `deliver`, each bundled request in its sender's inbound folder."""
    config = folder / "partners.toml"
    shutil.copyfile(ROOT / "fixtures" / "partners" / "demo.toml", config)
    for partner in ("pine-tree", "acadia", "katahdin"):
        (folder / "partners" / partner / "outbound").mkdir(parents=True, exist_ok=True)
    for name, partner in SENDERS.items() if deliver else ():
        inbox = folder / "partners" / partner / "inbound"
        inbox.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(GOOD / name, inbox / name)
    return config


def sweep_twice(tmp_path: Path, *which: str, broken: bool = False) -> tuple[Result, Result]:
    """`ebt sweep WHICH...` as text and as JSON, each on its own store and folders with the
    bundled requests waiting (and, with `broken`, a file that is not X12)."""
    results = []
    for fmt in ("text", "json"):
        folder = tmp_path / fmt
        url = store(folder)
        config = partners(folder)
        if broken:
            (folder / "partners" / "pine-tree" / "inbound" / "notes.txt").write_text("hello")
        for name in which[:-1]:  # the sweeps before the one compared
            assert (
                ebt("--today", TODAY, "sweep", name, "--config", config, "--db", url).exit_code == 0
            )
        results.append(
            ebt(
                "--today",
                TODAY,
                "sweep",
                which[-1],
                "--config",
                config,
                "--db",
                url,
                "--format",
                fmt,
            )
        )
    return results[0], results[1]


def test_sweep_inbound_json_says_what_was_claimed_and_decided(tmp_path: Path) -> None:
    text, as_json = sweep_twice(tmp_path, "inbound")
    assert as_json.exit_code == text.exit_code == 0
    inbound = document(as_json)["inbound"]
    assert (inbound["claimed"], inbound["ingested"], inbound["archived"]) == (4, 4, 4)
    assert "4 file(s) claimed, 4 read, 4 archived" in text.stdout
    assert inbound["transactions"] == sum(sets_in(GOOD / n) for n in SENDERS) == 4
    assert inbound["outcomes"] == {"change": 1, "drop_off_cycle": 1, "enroll": 1, "reject": 1}
    assert inbound["reject_codes"] == {"A13": 1}
    assert inbound["reject_code_meanings"] == {"A13": "other"}
    assert inbound["busy"] is False and inbound["errors"] == [] and inbound["problems"] == []
    archived = tmp_path / "json" / "archive" / "2026" / "11" / "20"
    assert sorted(p.name for p in archived.iterdir()) == sorted(SENDERS)


def test_sweep_inbound_json_names_a_file_sent_to_error_and_exits_1(tmp_path: Path) -> None:
    text, as_json = sweep_twice(tmp_path, "inbound", broken=True)
    assert as_json.exit_code == text.exit_code == 1
    inbound = document(as_json)["inbound"]
    assert inbound["errors"] == ["notes.txt"]
    assert inbound["claimed"] == 5 and inbound["archived"] == 4
    assert "1 file(s) to error/: notes.txt" in text.stdout


def test_sweep_outbound_json_lists_every_file_delivered(tmp_path: Path) -> None:
    text, as_json = sweep_twice(tmp_path, "inbound", "outbound")
    assert as_json.exit_code == text.exit_code == 0
    outbound = document(as_json)["outbound"]
    files = [Path(p) for p in outbound["files"]]
    assert outbound["written"] == len(files) == 4
    assert "outbound: 4 file(s) written" in text.stdout
    assert all(p.is_file() and p.parent.name == "outbound" for p in files)
    assert {p.parent.parent.name for p in files} == {"pine-tree", "acadia", "katahdin"}
    assert outbound["undelivered"] == [] and outbound["busy"] is False


def test_sweep_outbound_json_names_what_was_not_delivered_and_exits_4(tmp_path: Path) -> None:
    results = []
    for fmt in ("text", "json"):
        folder = tmp_path / fmt
        url = store(folder)
        config = partners(folder)
        assert (
            ebt("--today", TODAY, "sweep", "inbound", "--config", config, "--db", url).exit_code
            == 0
        )
        shutil.rmtree(folder / "partners" / "acadia" / "outbound")  # a folder gone missing
        results.append(
            ebt(
                "--today",
                TODAY,
                "sweep",
                "outbound",
                "--config",
                config,
                "--db",
                url,
                "--format",
                fmt,
            )
        )
    text, as_json = results
    assert as_json.exit_code == text.exit_code == 4
    outbound = document(as_json)["outbound"]
    (undelivered,) = outbound["undelivered"]
    assert "082345678" in undelivered["recipient"]
    assert undelivered["folder"].endswith("acadia/outbound")
    assert undelivered["reason"] and undelivered["fix"]
    assert outbound["written"] == 3
    assert "not delivered" in as_json.stderr  # a folder fault is still said on stderr


def test_sweep_all_json_has_both_sweeps(tmp_path: Path) -> None:
    text, as_json = sweep_twice(tmp_path, "all", broken=True)
    assert as_json.exit_code == text.exit_code == 1
    data = document(as_json)
    assert set(data) == {"inbound", "outbound"}
    assert data["inbound"]["transactions"] == 4 and data["inbound"]["errors"] == ["notes.txt"]
    assert data["outbound"]["written"] == len(data["outbound"]["files"]) >= 4
    assert all(Path(p).is_file() for p in data["outbound"]["files"])


def test_sweep_demo_json(tmp_path: Path) -> None:
    text = ebt("--today", TODAY, "sweep", "demo", "--folder", tmp_path / "text")
    as_json = ebt(
        "--today", TODAY, "sweep", "demo", "--folder", tmp_path / "json", "--format", "json"
    )
    assert as_json.exit_code == text.exit_code == 0
    data = document(as_json)
    assert data["delivered"] == 4
    assert "demo: 4 bundled supplier file(s)" in text.stdout
    assert data["inbound"]["transactions"] == 4 and data["inbound"]["archived"] == 4
    assert "summary: 4 request(s) decided, 4 outbound file(s)" in text.stdout
    assert data["outbound"]["written"] == 4
    assert all(Path(p).is_file() for p in data["outbound"]["files"])
    assert data["store"].startswith("sqlite:///") and data["store"].endswith("ebt.db")
    assert Path(data["archive"]).is_dir()
    status = ebt("status", "--db", data["store"], "--format", "json")
    assert status.exit_code == 0 and sum(document(status)["outcomes"].values()) == 4


# -- ebt load ---------------------------------------------------------------------------------


def test_load_json_counts_each_file(tmp_path: Path) -> None:
    results = [
        ebt("load", REFERENCE, "--db", f"sqlite:///{tmp_path / f'{fmt}.db'}", "--format", fmt)
        for fmt in ("text", "json")
    ]
    text, as_json = results
    assert as_json.exit_code == text.exit_code == 0
    data = document(as_json)
    assert data["ok"] is True and data["ignored"] == []
    kinds = [f["kind"] for f in data["files"]]
    assert kinds[0] == "partners" and "accounts" in kinds
    (partners_file,) = [f for f in data["files"] if f["kind"] == "partners"]
    assert partners_file["rows"] == partners_file["added"] == 4
    assert "partners.csv: 4 row(s): 4 added, 0 updated, 0 unchanged" in text.stdout
    assert all(f["ok"] and f["error_count"] == 0 for f in data["files"])


def test_load_json_gives_each_error_with_its_line_column_and_fix(tmp_path: Path) -> None:
    bad = tmp_path / "partners.csv"
    bad.write_text("duns,name,role\n12345,X,CES\n", encoding="utf-8")
    text = ebt("load", bad, "--db", f"sqlite:///{tmp_path / 'text.db'}")
    as_json = ebt("load", bad, "--db", f"sqlite:///{tmp_path / 'json.db'}", "--format", "json")
    assert as_json.exit_code == text.exit_code == 1
    data = document(as_json)
    assert data["ok"] is False
    (file,) = data["files"]
    assert file["error_count"] == 1
    (error,) = file["errors"]
    assert (error["file"], error["line"], error["column"]) == (str(bad), 2, "duns")
    assert "9 digits" in error["problem"] + error["fix"]
    assert "line 2, column duns" in text.stdout


# -- the T&D's own processes ------------------------------------------------------------------


def test_move_json_says_the_outcome_notices_and_files(tmp_path: Path) -> None:
    extra = tmp_path / "new.json"
    extra.write_text(json.dumps({"accounts": [NEW_ACCOUNT]}), encoding="utf-8")
    args: list[str | Path] = [
        "move", "00123098765", "--to", "00500000003", "--move-out", "2026-12-01",
        "--final-read", "48211", "--db", "{db}", "--out", "{out}",
    ]  # fmt: skip
    text, as_json, _ = twice(tmp_path, args, extra)
    assert as_json.exit_code == text.exit_code == 0
    data = document(as_json)
    assert data["recorded"] is True and data["outcome"] == "seamless_move"
    assert f"00123098765: seamless move; ebt explain {data['reference']}" in text.stdout
    assert data["code"] is None
    (notice,) = data["notices"]
    assert notice["ces_id"] == "081234567" and notice["account"] == "00500000003"
    assert data["confirmation"] and data["confirmation"] in text.stdout
    (written,) = [Path(p) for p in data["written"]]
    assert "REF*45*00123098765" in written.read_text(encoding="ascii")
    assert data["steps"] and all(set(s) == {"question", "answer"} for s in data["steps"])


def test_move_json_not_recorded_exits_1_with_the_code(tmp_path: Path) -> None:
    args: list[str | Path] = ["move", "00999000111", "--move-out", "2026-12-01", "--db", "{db}"]
    text, as_json, _ = twice(tmp_path, args, today="2026-11-16")
    assert as_json.exit_code == text.exit_code == 1
    data = document(as_json)
    assert (data["recorded"], data["outcome"], data["code"]) == (False, "reject", "A76")
    assert data["code_meaning"] == "account not found"
    assert data["steps"][-1] == {
        "question": "Is the account the customer moves out of one of this utility's accounts?",
        "answer": False,
    }
    assert data["written"] == [] and data["notices"] == []
    assert "move not recorded: A76 (account not found)" in text.stderr


def test_tenant_stop_json_says_the_reversion(tmp_path: Path) -> None:
    args: list[str | Path] = [
        "tenant", "stop", "00284695079", "--on", "2026-12-01", "--read", "5120", "--db", "{db}"
    ]  # fmt: skip
    text, as_json, _ = twice(tmp_path, args)
    assert as_json.exit_code == text.exit_code == 0
    data = document(as_json)
    assert (data["account"], data["on"]) == ("00284695079", "2026-12-01")
    assert f"(process #{data['process']})" in text.stdout
    reversion = data["reversion"]
    assert reversion["outcome"] == "revert" and reversion["reverted"] is True
    assert reversion["from"] == "2026-12-01"
    assert "reversion: revert from 2026-12-01" in text.stdout
    explained = ebt("explain", reversion["reference"], "--db", store_url_of(tmp_path / "json"))
    assert explained.exit_code == 0 and "revert" in explained.stdout


def store_url_of(folder: Path) -> str:
    return f"sqlite:///{folder / 'ebt.db'}"


def test_tenant_start_read_and_cancel_json(tmp_path: Path) -> None:
    extra = tmp_path / "new.json"
    extra.write_text(json.dumps({"accounts": [NEW_ACCOUNT]}), encoding="utf-8")
    start: list[str | Path] = [
        "tenant",
        "start",
        "00500000003",
        "--on",
        "2026-12-01",
        "--db",
        "{db}",
    ]
    text, as_json, folder = twice(tmp_path, start, extra)
    assert as_json.exit_code == text.exit_code == 0
    started = document(as_json)
    assert (started["account"], started["on"], started["state"]) == (
        "00500000003", "2026-12-01", "pending"
    )  # fmt: skip
    assert f"(pending; process #{started['process']}, period #{started['period']})" in text.stdout
    assert started["replaced"] == []
    url = store_url_of(folder)
    read = ebt(
        "--today", TODAY, "tenant", "read", "00500000003", "--on", "2026-12-01", "--read", "10020",
        "--db", url, "--format", "json",
    )  # fmt: skip
    assert read.exit_code == 0
    assert document(read) == {
        "account": "00500000003",
        "on": "2026-12-01",
        "kind": "start",
        "reads": 1,
    }
    process = str(started["process"])
    cancelled = ebt("tenant", "cancel", process, "--db", url, "--format", "json")
    said = ebt("tenant", "cancel", process, "--db", store_url_of(tmp_path / "text"))
    assert cancelled.exit_code == said.exit_code == 0
    assert document(cancelled) == {
        "process": started["process"],
        "cancelled": True,
        "done": ["start on 2026-12-01 cancelled"],
    }
    assert said.stdout == f"process #{process} cancelled\n  start on 2026-12-01 cancelled\n"
    again = ebt("tenant", "cancel", process, "--db", url, "--format", "json")
    assert again.exit_code == 1 and again.stdout == ""  # refused: said on stderr, as in text
    assert "only pending ones cancel" in again.stderr


def test_landlord_change_json(tmp_path: Path) -> None:
    extra = tmp_path / "new.json"
    owner = {**NEW_ACCOUNT, "account_number": "00500000001", "premise_number": "P000000001",
             "opened_on": "2026-11-01", "rate_class": "SGS"}  # fmt: skip
    extra.write_text(json.dumps({"accounts": [owner]}), encoding="utf-8")
    args: list[str | Path] = [
        "landlord", "change", "P000000001", "00500000001", "--on", "2026-12-01", "--db", "{db}"
    ]  # fmt: skip
    text, as_json, _ = twice(tmp_path, args, extra)
    assert as_json.exit_code == text.exit_code == 0
    data = document(as_json)
    assert (data["parent_premise"], data["landlord"], data["on"]) == (
        "P000000001", "00500000001", "2026-12-01"
    )  # fmt: skip
    assert data["premises"][0] == "P000000001" and len(data["premises"]) == 5
    assert f"{data['agreements']} agreement(s) over 5 premises" in text.stdout
    assert f"{data['reversions']} reversion(s) moved" in text.stdout


def test_meter_exchange_json_names_the_notice_and_its_file(tmp_path: Path) -> None:
    args: list[str | Path] = [
        "meter-exchange", "CB4447005", "AM7000001", "--on", "2026-11-20", "--removed-read",
        "48211", "--first-read", "0", "--multiplier", "2", "--type", "TOU", "--smart",
        "--db", "{db}", "--out", "{out}",
    ]  # fmt: skip
    text, as_json, _ = twice(tmp_path, args)
    assert as_json.exit_code == text.exit_code == 0
    data = document(as_json)
    assert (data["removed"], data["premise"], data["on"]) == ("CB4447005", "P000000014", TODAY)
    assert "CB4447005 → AM7000001 at premise P000000014" in text.stdout
    installed = data["installed"]
    assert (installed["number"], installed["type"], installed["smart"]) == (
        "AM7000001",
        "TOU",
        True,
    )
    assert installed["multiplier"] == "2"
    assert data["accounts"] == ["00123098765"]
    (notice,) = data["notices"]
    assert notice["ces_id"] == "081234567" and notice["kind"] == "change_request"
    (written,) = [Path(p) for p in data["written"]]
    assert "AM7000001" in written.read_text(encoding="ascii")


# -- ebt partners check -----------------------------------------------------------------------


def test_partners_check_json_lists_the_partners(tmp_path: Path) -> None:
    config = partners(tmp_path, deliver=False)
    text = ebt("partners", "check", "--config", config)
    as_json = ebt("partners", "check", "--config", config, "--format", "json")
    assert as_json.exit_code == text.exit_code == 0
    data = document(as_json)
    assert data["ok"] is True and data["problems"] == [] and data["config"] == str(config)
    assert [p["duns"] for p in data["partners"]] == ["081234567", "082345678", "083456789"]
    assert f"{config}: 3 partner(s), no mistakes" in text.stdout
    pine = data["partners"][0]
    assert pine["outbound_missing"] is False and pine["inbound_missing"] is True
    assert Path(pine["outbound"]).is_dir()


@pytest.mark.parametrize("broken", ["bad duns", "no file"])
def test_partners_check_json_names_each_mistake(tmp_path: Path, broken: str) -> None:
    config = partners(tmp_path, deliver=False)
    if broken == "no file":
        config = tmp_path / "missing.toml"
    else:
        config.write_text(config.read_text().replace('"081234567"', '"0812"'))
    text = ebt("partners", "check", "--config", config)
    as_json = ebt("partners", "check", "--config", config, "--format", "json")
    assert as_json.exit_code == text.exit_code == 1
    data = document(as_json)
    assert data["ok"] is False and data["partners"] == []
    assert data["mistakes"] == len(data["problems"]) >= 1
    for problem in data["problems"]:
        assert problem["file"] == str(config) and problem["message"] and problem["fix"]
        assert f"{problem['file']}: {problem['key']}: {problem['message']}" in text.stdout


# -- every command given --format json --------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        ["process"], ["sweep", "inbound"], ["sweep", "outbound"], ["sweep", "all"],
        ["sweep", "demo"], ["load"], ["move"], ["tenant", "start"], ["tenant", "stop"],
        ["tenant", "cancel"], ["tenant", "read"], ["landlord", "change"], ["meter-exchange"],
        ["partners", "check"],
    ],
)  # fmt: skip
def test_help_offers_the_format(command: list[str]) -> None:
    text = " ".join(ebt(*command, "--help").stdout.split())
    assert "--format [text|json]" in text
    assert "docs/cli.md" in text
