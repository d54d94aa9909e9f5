"""The sweeps end to end on the bundled utility and its partners' folders
(fixtures/partners/demo.toml), on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import select
from sweep_support import sets_in, write_config

from ebt.cli import main
from ebt.store.database import make_engine, session_factory
from ebt.store.schema import FindingRow, InboundFile, OutboundFile, Outbox, Transaction

ROOT = Path(__file__).resolve().parent.parent
GOOD = ROOT / "fixtures" / "x12" / "good"
TODAY = "2026-11-20"
SENDERS = {
    "814-enrollment-request.x12": "pine-tree",
    "814-change-request.x12": "acadia",
    "814-reinstatement-request.x12": "acadia",
    "814-drop-request.x12": "katahdin",
}


def run(*args: str, code: int = 0) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result.output


def setup(tmp_path: Path, url: str) -> Path:
    config = tmp_path / "partners.toml"
    shutil.copyfile(ROOT / "fixtures" / "partners" / "demo.toml", config)
    for partner in ("pine-tree", "acadia", "katahdin"):  # made when the partner joins
        (tmp_path / "partners" / partner / "outbound").mkdir(parents=True, exist_ok=True)
    run("load", str(ROOT / "fixtures" / "reference"), "--db", url)
    return config


def deliver(tmp_path: Path, name: str, data: bytes | None = None, as_name: str = "") -> None:
    folder = tmp_path / "partners" / SENDERS.get(name, "pine-tree") / "inbound"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / (as_name or name)).write_bytes(
        data if data is not None else (GOOD / name).read_bytes()
    )


def sweep(config: Path, url: str, *, today: str = TODAY, code: int = 0) -> str:
    inbound = run(
        "--today", today, "sweep", "inbound", "--config", str(config), "--db", url, code=code
    )
    return inbound + run(
        "--today", today, "sweep", "outbound", "--config", str(config), "--db", url
    )


def test_requests_are_swept_decided_answered_and_archived(store_url: str, tmp_path: Path) -> None:
    config = setup(tmp_path, store_url)
    for name in SENDERS:
        deliver(tmp_path, name)
    output = sweep(config, store_url)
    assert "4 file(s) claimed, 4 read, 4 archived" in output
    assert "enroll 1" in output and "change 1" in output and "A13 (other) 1" in output
    archived = sorted(p.name for p in (tmp_path / "archive" / "2026" / "11" / "20").iterdir())
    assert archived == sorted(SENDERS)
    assert not list((tmp_path / "partners").glob("*/inbound/*"))
    answers = sorted((tmp_path / "partners").glob("*/outbound/*.x12"))
    assert [p.parent.parent.name for p in answers] == [
        "acadia", "katahdin", "katahdin", "pine-tree",
    ]  # fmt: skip
    # Katahdin asks for a TA1 for every interchange (ta1 = "always"): its own file
    (ta1,) = [p for p in answers if "TA1*" in p.read_text()]
    assert ta1.parent.parent.name == "katahdin" and "TA1*000000342*" in ta1.read_text()
    assert "*A*000~" in ta1.read_text()
    kinds = []
    for path in answers:
        results = sets_in(path)
        assert all(not r.has_errors for r in results), path
        kinds += [str(r.record.kind) for r in results if r.record is not None]
    assert kinds.count("functional_ack") == 4 and "enrollment_accept" in kinds
    # the same bytes again, and the same interchange (sender, ISA13) with other bytes: refused
    deliver(tmp_path, "814-enrollment-request.x12", as_name="again.x12")
    changed = (GOOD / "814-enrollment-request.x12").read_bytes().replace(b"0001*", b"0009*", 1)
    deliver(tmp_path, "814-enrollment-request.x12", changed, as_name="same-isa13.x12")
    change = (GOOD / "814-change-request.x12").read_bytes()
    test_mode = change.replace(b"*0*P*>", b"*0*T*>").replace(b"000002207", b"999902207")
    deliver(tmp_path, "814-change-request.x12", test_mode, as_name="test-mode.x12")
    output = sweep(config, store_url)
    assert "1 repeated file(s) refused: again.x12" in output
    assert "2 interchange(s) refused" in output and "test-mode.x12 ISA13 999902207" in output
    assert "0 transaction(s) decided" in output
    sessions = session_factory(make_engine(store_url))
    with sessions() as session:
        codes = set(session.scalars(select(FindingRow.code)))
        assert {"DUPLICATE-FILE", "DUPLICATE-INTERCHANGE", "ISA15-MODE"} <= codes
        assert len(session.scalars(select(Transaction)).all()) == 4


def test_acknowledgments_are_matched_and_overdue_ones_become_work_items(
    store_url: str, tmp_path: Path
) -> None:
    config = setup(tmp_path, store_url)
    for name in SENDERS:
        deliver(tmp_path, name)
    sweep(config, store_url)
    sessions = session_factory(make_engine(store_url))
    with sessions() as session:
        files = session.scalars(select(OutboundFile)).all()
        sent = {f.recipient: f for f in files if '"GE"' in f.groups}  # not Katahdin's TA1
    group = json.loads(sent["081234567"].groups)["GE"]
    ack = (
        "ISA*00*          *00*          *01*081234567      *01*049876543      *261120*1130*U*"
        "00401*000000777*0*P*>~\nGS*FA*081234567*049876543*20261120*1130*777*X*004010~\n"
        f"ST*997*0001~\nAK1*GE*{group}~\nAK9*A*1*1*1~\nSE*4*0001~\nGE*1*777~\nIEA*1*000000777~\n"
    )
    deliver(tmp_path, "ack.x12", ack.encode())
    katahdin = json.loads(sent["083456789"].groups)["GE"]
    rejected = (
        "ISA*00*          *00*          *01*083456789      *01*049876543      *261120*1130*U*"
        "00401*000000778*0*P*>~\nGS*FA*083456789*049876543*20261120*1130*778*X*004010~\n"
        f"ST*997*0001~\nAK1*GE*{katahdin}~\nAK9*R*1*1*0~\nSE*4*0001~\nGE*1*778~\n"
        "IEA*1*000000778~\n"
    )
    deliver(tmp_path, "814-drop-request.x12", rejected.encode(), as_name="ack.x12")
    sweep(config, store_url, today="2026-11-21")
    with sessions() as session:
        files = session.scalars(select(OutboundFile)).all()
        acked = {f.recipient: f.ack_status for f in files if '"GE"' in f.groups}
    assert acked["081234567"] == "A" and acked["082345678"] is None
    assert acked["083456789"] == "R"
    later = ("--today", "2026-11-23")
    run(*later, "ack-check", "--config", str(config), "--db", store_url)
    view = json.loads(run(*later, "status", "--format", "json", "--db", store_url))
    overdue = {a["recipient"] for a in view["overdue_acks"]}
    assert overdue == {"082345678"}  # Katahdin asks for no 997s; Pine Tree sent its own
    assert [i["kind"] for i in view["open_work_items"]] == ["ack_rejected", "ack_overdue"]
    assert view["files"] == {"archived": 6} and view["outcomes"]["enroll"] == 1
    # resend: the same messages in a new file under the next control number
    run(*later, "resend", "082345678-000000001.x12", "--db", store_url)
    output = run(*later, "sweep", "outbound", "--config", str(config), "--db", store_url)
    assert "082345678-000000002.x12" in output
    again = tmp_path / "partners" / "acadia" / "outbound" / "082345678-000000002.x12"
    first = again.with_name("082345678-000000001.x12")
    assert len(sets_in(again)) == len(sets_in(first))


def test_an_unreadable_file_goes_to_error_with_a_report_and_a_ta1(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ebt.db'}"
    config = setup(tmp_path, url)
    deliver(tmp_path, "notes.x12", b"this is not an X12 interchange\n")
    output = sweep(config, url, code=1)
    assert "1 file(s) to error/: notes.x12" in output
    (kept,) = [p for p in (tmp_path / "error").iterdir() if not p.name.endswith(".txt")]
    report = kept.with_name(kept.name + ".report.txt").read_text()
    assert "notes.x12" in report and "not processed" in report
    assert kept.read_bytes() == b"this is not an X12 interchange\n"
    (ta1,) = (tmp_path / "partners" / "pine-tree" / "outbound").glob("*.x12")
    text = ta1.read_text()
    assert "TA1*000000000*" in text and "*R*022~" in text and "IEA*0*" in text


def test_a_file_over_the_size_limit_is_set_aside(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ebt.db'}"
    config = write_config(tmp_path)  # max_file_mb = 1
    folder = tmp_path / "ces" / "inbound"
    folder.mkdir(parents=True)
    (folder / "big.x12").write_bytes(b"ISA" + b" " * (1024 * 1024 + 10))
    output = run("sweep", "inbound", "--config", str(config), "--db", url, "--create", code=1)
    assert "big.x12" in output
    (report,) = (tmp_path / "error").glob("*.report.txt")
    assert "FILE-TOO-LARGE" in report.read_text() and "max_file_mb" in report.read_text()


def test_partners_check_names_file_key_and_fix(tmp_path: Path) -> None:
    bad = tmp_path / "partners.toml"
    bad.write_text(
        '[utility]\nduns = "49876543"\n[schedule]\noutbound_at = ["7am"]\n'
        '[[partner]]\nduns = "081234567"\nname = "X"\ninbound = "a"\noutbound = "b"\n'
        'colour = "red"\nacknowledgments = { ta1 = "sometimes" }\n'
        '[[partner]]\nduns = "081234567"\nname = "Y"\ninbound = "a"\n'
    )
    output = run("partners", "check", "--config", str(bad), code=1)
    for expected in (
        "utility.duns: '49876543' is not a DUNS number",
        "schedule.outbound_at: '7am' is not a time of day",
        "partner[1].colour: is not a key",
        "partner[1].acknowledgments.ta1: 'sometimes'",
        "partner[2].duns: 081234567 is already used by partner[1]",
        "partner[2].inbound: the folder",
        "partner[2].outbound: is missing",
        "utility.name: is missing or empty",
    ):
        assert f"{bad}: {expected}" in output, expected
    assert output.count("fix:") == 8
    good = run("partners", "check", "--config", str(ROOT / "fixtures" / "partners" / "demo.toml"))
    assert "3 partner(s), no mistakes" in good


def test_the_demo_sweep_runs_on_the_bundled_files(tmp_path: Path) -> None:
    output = run("--today", TODAY, "sweep", "demo", "--folder", str(tmp_path / "demo"))
    assert "4 request(s) decided, 4 outbound file(s)" in output
    again = run("--today", TODAY, "sweep", "demo", "--folder", str(tmp_path / "demo"))
    assert "4 request(s) decided" in again  # a fresh demo each time


def test_xml_and_edifact_files_are_swept_like_x12(tmp_path: Path) -> None:
    """A supplier's XML or EDIFACT requests go through the same sweep: decided, answered in
    X12, archived as they came."""
    url = f"sqlite:///{tmp_path / 'ebt.db'}"
    config = setup(tmp_path, url)
    deliver(
        tmp_path,
        "814-enrollment-request.x12",
        (ROOT / "fixtures" / "xml" / "good" / "814-enrollment-request.xml").read_bytes(),
        as_name="enrollment.xml",
    )
    deliver(
        tmp_path,
        "814-change-request.x12",
        (ROOT / "fixtures" / "edifact" / "good" / "814-change-request.edi").read_bytes(),
        as_name="change.edi",
    )
    output = sweep(config, url)
    assert "2 file(s) claimed, 2 read, 2 archived" in output
    assert "enroll 1" in output and "change 1" in output
    archived = sorted(p.name for p in (tmp_path / "archive" / "2026" / "11" / "20").iterdir())
    assert archived == ["change.edi", "enrollment.xml"]
    view = json.loads(run("account", "show", "00412345678", "--db", url, "--format", "json"))
    assert view["supplier_periods"][-1]["supplier"] == "081234567"
    answers = sorted((tmp_path / "partners").glob("*/outbound/*.x12"))
    assert {p.parent.parent.name for p in answers} == {"pine-tree", "acadia"}


def test_an_overdue_997_work_item_closes_by_itself_when_the_997_arrives(
    store_url: str, tmp_path: Path
) -> None:
    config = setup(tmp_path, store_url)
    deliver(tmp_path, "814-change-request.x12")  # Acadia expects to answer with a 997
    sweep(config, store_url)
    later = ("--today", "2026-11-23")
    run(*later, "ack-check", "--config", str(config), "--db", store_url)
    items = json.loads(run("workitems", "--db", store_url, "--format", "json"))["work_items"]
    assert [i["kind"] for i in items] == ["ack_overdue"]
    sessions = session_factory(make_engine(store_url))
    with sessions() as session:
        (sent,) = session.scalars(select(OutboundFile)).all()
    group = json.loads(sent.groups)["GE"]
    ack = (
        "ISA*00*          *00*          *01*082345678      *01*049876543      *261123*1130*U*"
        "00401*000000779*0*P*>~\nGS*FA*082345678*049876543*20261123*1130*779*X*004010~\n"
        f"ST*997*0001~\nAK1*GE*{group}~\nAK9*A*1*1*1~\nSE*4*0001~\nGE*1*779~\nIEA*1*000000779~\n"
    )
    deliver(tmp_path, "814-change-request.x12", ack.encode(), as_name="late-ack.x12")  # Acadia
    sweep(config, store_url, today="2026-11-23")
    items = json.loads(run("workitems", "--all", "--db", store_url, "--format", "json"))
    (item,) = items["work_items"]
    assert item["status"] == "resolved"
    assert "closed by itself: the 997 for group GE" in item["resolution"]
    assert "late-ack.x12" in item["resolution"]
    assert json.loads(run("workitems", "--db", store_url, "--format", "json"))["work_items"] == []


def test_ebt_process_of_a_swept_file_does_nothing_again(tmp_path: Path) -> None:
    """The bytes a sweep took are not taken again by `ebt process`: no second 997 for the
    partner, no second findings, and the file stays archived (a reprocessing is the way)."""
    url = f"sqlite:///{tmp_path / 'ebt.db'}"
    config = setup(tmp_path, url)
    deliver(tmp_path, "814-enrollment-request.x12")
    sweep(config, url)
    (swept,) = (tmp_path / "archive").rglob("814-enrollment-request.x12")

    def state() -> tuple[list[str], int, list[str]]:
        with session_factory(make_engine(url))() as session:
            return (
                sorted(session.scalars(select(Outbox.kind))),
                len(session.scalars(select(FindingRow)).all()),
                list(session.scalars(select(InboundFile.status))),
            )

    before = state()
    assert before[2] == ["archived"] and any(k.startswith("ack:") for k in before[0])
    said = run("--today", TODAY, "process", str(swept), "--db", url, "--out", str(tmp_path / "o"))
    assert "already taken by a sweep (archived;" in said and "ebt reprocess 1 " in said
    assert state() == before
    assert not list((tmp_path / "o").glob("*.x12"))
