"""The channel is the sender: a file from a partner's inbound folder is that partner's,
whatever its envelope names; every answer goes to that partner's outbound folder only.
`ebt process --from DUNS` says the same for a file on the command line; without it an
envelope naming two partners is refused, the same way under every hash seed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session
from sweep_support import sets_in

from ebt.cli import main
from ebt.mapping.records import FunctionalAck, Transaction814
from ebt.store.database import make_engine, session_factory
from ebt.store.schema import Decision, FindingRow, Interchange, Transaction

ROOT = Path(__file__).resolve().parent.parent
GOOD = ROOT / "fixtures" / "x12" / "good"
TODAY = "2026-11-20"
PINE_TREE, ACADIA = "081234567", "082345678"
ENROLLMENT = (GOOD / "814-enrollment-request.x12").read_bytes()  # all Pine Tree's ids


def run(*args: str, code: int = 0) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result.output


def setup(tmp_path: Path, url: str) -> Path:
    config = tmp_path / "partners.toml"
    shutil.copyfile(ROOT / "fixtures" / "partners" / "demo.toml", config)
    for partner in ("pine-tree", "acadia", "katahdin"):  # the sweep does not make them
        (tmp_path / "partners" / partner / "outbound").mkdir(parents=True)
    run("load", str(ROOT / "fixtures" / "reference"), "--db", url)
    return config


def deliver(tmp_path: Path, partner: str, name: str, data: bytes) -> None:
    folder = tmp_path / "partners" / partner / "inbound"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)


def sweep(config: Path, url: str, code: int = 1) -> str:
    """Inbound (exit 1: a refusal is an error outside the sets) and outbound sweeps."""
    common = ("--config", str(config), "--db", url)
    return run("--today", TODAY, "sweep", "inbound", *common, code=code) + run(
        "--today", TODAY, "sweep", "outbound", *common
    )


def answers(tmp_path: Path, partner: str) -> list[Path]:
    return sorted((tmp_path / "partners" / partner / "outbound").glob("*.x12"))


def with_ids(data: bytes, *, isa06: str, gs02: str, sj: str, number: int = 1) -> bytes:
    """The enrollment with other ids in ISA06, GS02 and N1*SJ (and, for `number` > 1, its
    own ISA13 and BGN02, so that it repeats nothing)."""
    text = data.decode("ascii")
    if number > 1:
        text = text.replace("000000101", f"{900 + number:09d}").replace("-0001*", f"-{number:04d}*")
    text = text.replace(f"*01*{PINE_TREE}      *", f"*01*{isa06}      *", 1)
    text = text.replace(f"GS*GE*{PINE_TREE}*", f"GS*GE*{gs02}*", 1)
    return text.replace(f"N1*SJ*PINE TREE POWER SUPPLY*1*{PINE_TREE}", f"N1*SJ*X*1*{sj}").encode()


@contextmanager
def store(url: str) -> Iterator[Session]:
    """A session on the store; its engine (and its connections) closed afterwards."""
    engine = make_engine(url)
    try:
        with session_factory(engine)() as session:
            yield session
    finally:
        engine.dispose()


def findings(url: str) -> list[FindingRow]:
    with store(url) as session:
        return list(session.scalars(select(FindingRow)))


def decided(url: str) -> int:
    with store(url) as session:
        return len(session.scalars(select(Decision)).all())


def test_a_file_in_one_partners_folder_naming_another_is_refused_and_answered_to_the_folder(
    store_url: str, tmp_path: Path
) -> None:
    config = setup(tmp_path, store_url)
    deliver(tmp_path, "acadia", "posing.x12", ENROLLMENT)  # Pine Tree's ids, Acadia's folder
    output = sweep(config, store_url)
    assert "0 transaction(s) decided" in output
    assert decided(store_url) == 0
    assert answers(tmp_path, "pine-tree") == []  # never to the partner the envelope names
    sent = answers(tmp_path, "acadia")  # a TA1 (its own interchange) and a 997
    (ta1,) = [p.read_text() for p in sent if "TA1*" in p.read_text()]
    assert f"*01*{ACADIA}" in ta1 and "TA1*000000101*" in ta1 and "*R*006~" in ta1
    (ack,) = [r.record for p in sent for r in sets_in(p) if isinstance(r.record, FunctionalAck)]
    assert ack.status == "R" and "1" in ack.errors
    (refusal,) = [f for f in findings(store_url) if f.code == "ISA06-CHANNEL"]
    assert PINE_TREE in refusal.message and "ACADIA ENERGY" in refusal.message
    assert "partners/acadia/inbound" in refusal.message
    with store(store_url) as session:
        (interchange,) = session.scalars(select(Interchange))
        assert interchange.refused == "ISA06-CHANNEL"


def test_a_group_naming_another_partner_is_refused_in_its_997(
    store_url: str, tmp_path: Path
) -> None:
    config = setup(tmp_path, store_url)
    data = with_ids(ENROLLMENT, isa06=PINE_TREE, gs02=ACADIA, sj=PINE_TREE)
    deliver(tmp_path, "pine-tree", "mixed.x12", data)
    sweep(config, store_url)
    assert decided(store_url) == 0
    assert answers(tmp_path, "acadia") == []
    (answer,) = answers(tmp_path, "pine-tree")
    (ack,) = [r.record for r in sets_in(answer) if isinstance(r.record, FunctionalAck)]
    assert ack.status == "R" and ack.errors == ("1",)
    assert "TA1" not in answer.read_text()  # the interchange itself was Pine Tree's
    (refusal,) = [f for f in findings(store_url) if f.code == "GS02-CHANNEL"]
    assert ACADIA in refusal.message and "PINE TREE POWER SUPPLY" in refusal.message


def test_a_request_naming_another_ces_is_rejected_und_to_the_sender(
    store_url: str, tmp_path: Path
) -> None:
    config = setup(tmp_path, store_url)
    data = with_ids(ENROLLMENT, isa06=PINE_TREE, gs02=PINE_TREE, sj=ACADIA)
    deliver(tmp_path, "pine-tree", "for-acadia.x12", data)
    sweep(config, store_url, code=0)
    assert answers(tmp_path, "acadia") == []
    (answer,) = answers(tmp_path, "pine-tree")
    (reject,) = [r.record for r in sets_in(answer) if isinstance(r.record, Transaction814)]
    assert str(reject.kind) == "enrollment_reject"
    assert [r.code for r in reject.reject_reasons] == ["UND"]
    assert reject.ces_id == PINE_TREE  # the answer names the party that sent it


def test_process_from_says_whose_file_it_is(store_url: str, tmp_path: Path) -> None:
    run("load", str(ROOT / "fixtures" / "reference"), "--db", store_url)
    inbound = tmp_path / "posing.x12"
    inbound.write_bytes(ENROLLMENT)
    out = tmp_path / "out"
    common = ("--db", store_url, "--out", str(out))
    output = run("--today", TODAY, "process", "--from", ACADIA, str(inbound), *common, code=1)
    assert "refused" in output and "ISA06-CHANNEL" in output
    assert [p.name.split("-")[0] for p in out.glob("*.x12")] == [ACADIA]
    assert decided(store_url) == 0
    output = run("process", "--from", "099999999", str(inbound), *common, code=2)
    assert "not a registered partner" in output


def test_process_refuses_an_envelope_naming_two_partners(store_url: str, tmp_path: Path) -> None:
    run("load", str(ROOT / "fixtures" / "reference"), "--db", store_url)
    inbound = tmp_path / "two.x12"
    inbound.write_bytes(with_ids(ENROLLMENT, isa06=ACADIA, gs02=PINE_TREE, sj=PINE_TREE))
    out = tmp_path / "out"
    output = run(
        "--today", TODAY, "process", str(inbound), "--db", store_url, "--out", str(out), code=1
    )
    assert "GS02-CHANNEL" in output
    (answer,) = out.glob("*.x12")
    assert answer.name.startswith(ACADIA)  # the interchange's sender, never GS02's partner
    (ack,) = [r.record for r in sets_in(answer) if isinstance(r.record, FunctionalAck)]
    assert ack.status == "R"
    with store(store_url) as session:
        assert session.scalars(select(Transaction)).all() == []


SCRIPT = """
import sys
from click.testing import CliRunner
from ebt.cli import main
result = CliRunner().invoke(main, sys.argv[1:], catch_exceptions=False)
sys.stdout.write(result.output)
sys.exit(result.exit_code)
"""


def test_the_same_inbox_gives_the_same_decisions_and_bytes_under_any_hash_seed(
    tmp_path: Path,
) -> None:
    """Three runs of the same inbox, each in a fresh process with its own PYTHONHASHSEED:
    every decision and every outbound byte alike."""
    inbox = {
        "pine-tree": [
            ENROLLMENT,
            with_ids(ENROLLMENT, isa06=PINE_TREE, gs02=ACADIA, sj=ACADIA, number=2),
        ],
        "acadia": [
            (GOOD / "814-change-request.x12").read_bytes(),
            with_ids(ENROLLMENT, isa06=ACADIA, gs02=ACADIA, sj=PINE_TREE, number=3),
        ],
        "katahdin": [(GOOD / "814-drop-request.x12").read_bytes()],
    }
    results = []
    for seed in ("0", "1", "4242"):
        folder = tmp_path / f"seed-{seed}"
        folder.mkdir()
        url = f"sqlite:///{folder / 'ebt.db'}"
        config = setup(folder, url)
        for partner, files in inbox.items():
            for index, data in enumerate(files):
                deliver(folder, partner, f"file-{index}.x12", data)
                os.utime(folder / "partners" / partner / "inbound" / f"file-{index}.x12", (1, 1))
        env = {**os.environ, "PYTHONHASHSEED": seed}
        for direction in ("inbound", "outbound"):
            command = [sys.executable, "-c", SCRIPT, "--today", TODAY, "sweep", direction]
            subprocess.run(
                [*command, "--config", str(config), "--db", url],
                env=env,
                check=direction == "outbound",  # inbound: exit 1, it refuses a group
                capture_output=True,
            )
        with store(url) as session:
            decisions = [
                (d.reference, d.table_name, d.outcome, d.code, d.steps)
                for d in session.scalars(select(Decision).order_by(Decision.id))
            ]
        sent = {
            str(p.relative_to(folder)): p.read_bytes()
            for p in sorted((folder / "partners").glob("*/outbound/*"))
        }
        results.append((decisions, sent))
    assert results[1] == results[0] and results[2] == results[0]
    requests = [d for d in results[0][0] if d[0] is not None]  # not the drop's policy tables
    assert len(requests) == 4 and len(results[0][1]) >= 3  # the mixed group refused
    assert json.dumps(results[0][0])  # decisions are plain values


def test_a_refused_interchange_is_recorded_once_when_a_file_is_resumed(tmp_path: Path) -> None:
    """Killed part-way through a file (after its first queued batch), the re-run resumes it;
    the interchange it refused before the crash is refused, and said, once."""
    from sweep_support import CES, build_store, inbox_file, write_config

    url = f"sqlite:///{tmp_path / 'ebt.db'}"
    build_store(url, 1100)
    config = write_config(tmp_path)
    first, second = tmp_path / "a.x12", tmp_path / "b.x12"
    inbox_file(first, range(1, 3), control=700)
    inbox_file(second, range(1, 1100), control=701)
    test_mode = first.read_bytes().replace(b"*0*P*>", b"*0*T*>")
    other = first.read_bytes().replace(f"*01*{CES}".encode(), b"*01*099999999", 1)
    other = other.replace(b"000000700", b"000000702")
    inbox = tmp_path / "ces" / "inbound" / "mixed.x12"
    inbox.parent.mkdir(parents=True)
    inbox.write_bytes(test_mode + other + second.read_bytes())
    args = [sys.executable, "-c", SCRIPT, "--today", TODAY, "sweep", "inbound"]
    args += ["--config", str(config), "--db", url]
    killed = subprocess.run(
        args, env={**os.environ, "EBT_CRASH_AT": "parse:1"}, capture_output=True, check=False
    )
    assert killed.returncode == -9, killed.stderr
    subprocess.run(args, capture_output=True, check=False)  # exit 1: it refused two
    codes = [f.code for f in findings(url)]
    assert codes.count("ISA15-MODE") == 1 and codes.count("ISA06-CHANNEL") == 1
    assert decided(url) == 1099


def test_links_fifos_and_hard_links_in_an_inbox_are_set_aside_unopened(
    store_url: str, tmp_path: Path
) -> None:
    config = setup(tmp_path, store_url)
    secret = tmp_path / "outside" / "secret.x12"
    secret.parent.mkdir()
    secret.write_bytes(b"ISA*SECRET-FIRST-LINE~\n")
    deliver(tmp_path, "pine-tree", "enroll.x12", ENROLLMENT)
    acadia = tmp_path / "partners" / "acadia" / "inbound"
    acadia.mkdir(parents=True)
    theirs = tmp_path / "partners" / "pine-tree" / "inbound" / "enroll.x12"
    (acadia / "borrowed.x12").symlink_to(theirs)  # another partner's file
    (acadia / "system.x12").symlink_to(secret)  # a file outside every inbox
    os.mkfifo(acadia / "pipe.x12")  # opening it for reading would block the sweep
    os.link(secret, acadia / "hard.x12")
    output = sweep(config, store_url, code=0)
    assert "1 file(s) claimed" in output and "enroll 1" in output
    assert "4 entr(ies) that are not plain files set aside" in output
    refused = tmp_path / "refused"
    kept = sorted(p.name.split(".", 3)[3] for p in refused.iterdir() if "report" not in p.name)
    assert kept == ["borrowed.x12", "hard.x12", "pipe.x12", "system.x12"]
    reports = [p.read_text() for p in refused.glob("*.report.txt")]
    assert len(reports) == 4 and not any("SECRET" in r for r in reports)
    assert any("a symbolic link" in r for r in reports) and any("FIFO" in r for r in reports)
    for folder in ("archive", "error", "work"):
        for path in (tmp_path / folder).rglob("*"):
            assert not path.is_symlink(), path
    (archived,) = (tmp_path / "archive").rglob("enroll.x12")
    assert archived.read_bytes() == ENROLLMENT and not archived.is_symlink()
    assert secret.read_bytes() == b"ISA*SECRET-FIRST-LINE~\n"  # untouched where it was
    assert answers(tmp_path, "acadia") == []  # nothing was answered to Acadia
    assert "enrollment_accept" in "".join(
        str(r.record.kind) for p in answers(tmp_path, "pine-tree") for r in sets_in(p) if r.record
    )
    items = json.loads(run("workitems", "--db", store_url, "--format", "json"))
    described = " ".join(i["description"] for i in items["work_items"])
    assert "borrowed.x12" in described and "SECRET" not in described


def test_a_link_swapped_in_after_the_claim_is_never_read(store_url: str, tmp_path: Path) -> None:
    """A claimed name in work/ that turns out to be a link (swapped in between the listing
    and the rename) is refused when it is opened (O_NOFOLLOW), not followed."""
    config = setup(tmp_path, store_url)
    secret = tmp_path / "secret.x12"
    secret.write_bytes(ENROLLMENT)
    work = tmp_path / "work"
    work.mkdir()
    (work / f"20261120T000000.abcd1234.{PINE_TREE}.enroll.x12").symlink_to(secret)
    output = sweep(config, store_url, code=0)
    assert "0 file(s) claimed" in output and "a symbolic link" in output
    assert decided(store_url) == 0 and not list(work.glob("2026*"))
    (kept,) = (tmp_path / "refused").glob("*enroll.x12")
    assert kept.is_symlink()  # set aside as it was: never in archive/ or error/
