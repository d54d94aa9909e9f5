"""The outbound sweep that no partner can block: a partner's folder on another file system,
full, read-only or missing holds back that partner's files only; they are delivered, the same
bytes under the same control number, at the next sweep into the folder configured then;
rows are marked sent only once their file is in the partner's folder. Also: ISA15 `T` to a
partner in test mode, and the name of an answer to a sender that could not be identified."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import select
from sweep_support import sets_in
from tmpfs_support import Mounts, fill, mounted

from ebt.cli import main
from ebt.pipeline.outbox import encode_body, write_outbox
from ebt.store.database import make_engine, session_factory, upgrade
from ebt.store.schema import OutboundFile, Outbox, TradingPartner

ROOT = Path(__file__).resolve().parent.parent
GOOD = ROOT / "fixtures" / "x12" / "good"
TODAY = "2026-11-20"
PINE = "081234567"
PINE_FILE = f"{PINE}-000000001.x12"
SENDERS = {  # fixture -> the partner whose inbound folder it arrives in
    "814-enrollment-request.x12": "pine-tree",
    "814-change-request.x12": "acadia",
    "814-drop-request.x12": "katahdin",
}


@pytest.fixture
def mounts() -> Iterator[Mounts]:
    yield from mounted()


def ebt(*args: str) -> Result:
    result = CliRunner().invoke(main, ["--today", TODAY, *args], catch_exceptions=False)
    assert "Traceback" not in result.output
    return result


def setup(tmp_path: Path) -> tuple[Path, str]:
    """The bundled utility's store and configuration; every partner's outbound folder made
    except Pine Tree's (each test decides what that is)."""
    url = f"sqlite:///{tmp_path / 'ebt.db'}"
    config = tmp_path / "partners.toml"
    shutil.copyfile(ROOT / "fixtures" / "partners" / "demo.toml", config)
    assert ebt("load", str(ROOT / "fixtures" / "reference"), "--db", url).exit_code == 0
    for partner in ("acadia", "katahdin"):
        (tmp_path / "partners" / partner / "outbound").mkdir(parents=True)
    for name, partner in SENDERS.items():
        inbound = tmp_path / "partners" / partner / "inbound"
        inbound.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(GOOD / name, inbound / name)
    return config, url


def sweep(config: Path, url: str, which: str = "outbound") -> Result:
    return ebt("sweep", which, "--config", str(config), "--db", url)


def delivered(tmp_path: Path, partner: str) -> list[str]:
    folder = tmp_path / "partners" / partner / "outbound"
    return sorted(p.name for p in folder.iterdir() if p.name != "filler")


def pine_rows(url: str) -> list[tuple[str | None, datetime | None]]:
    sessions = session_factory(make_engine(url))
    with sessions() as session:
        rows = session.execute(
            select(Outbox.file_name, Outbox.sent_at).where(Outbox.recipient == PINE)
        ).all()
    return [(name, sent) for name, sent in rows]


def recorded_folder(url: str, name: str) -> str | None:
    with session_factory(make_engine(url))() as session:
        return session.scalar(select(OutboundFile.folder).where(OutboundFile.name == name))


def kinds(path: Path) -> list[str]:
    results = sets_in(path)
    assert all(not r.has_errors for r in results), path
    return sorted(str(r.record.kind) for r in results if r.record is not None)


def test_a_partner_folder_on_another_file_system_gets_its_file(
    tmp_path: Path, mounts: Mounts
) -> None:
    config, url = setup(tmp_path)
    pine = mounts.tmpfs(tmp_path / "partners" / "pine-tree" / "outbound")
    assert sweep(config, url, "inbound").exit_code == 0
    result = sweep(config, url)
    assert result.exit_code == 0, result.output
    assert f"wrote {pine / PINE_FILE}" in result.output
    assert delivered(tmp_path, "pine-tree") == [PINE_FILE]
    assert kinds(pine / PINE_FILE) == ["enrollment_accept", "functional_ack"]
    assert delivered(tmp_path, "acadia") == ["082345678-000000001.x12"]
    assert len(delivered(tmp_path, "katahdin")) == 2  # the answers, and its TA1 (always)
    assert all(sent is not None for _, sent in pine_rows(url))
    assert recorded_folder(url, PINE_FILE) == str(pine)
    assert not list((tmp_path / "work" / "outbound").iterdir())
    assert (tmp_path / "archive" / "sent" / "2026" / "11" / "20" / PINE_FILE).is_file()


@pytest.mark.parametrize("fault", ["full", "read-only"])
def test_a_partner_folder_that_fails_holds_back_only_that_partner(
    tmp_path: Path, mounts: Mounts, fault: str
) -> None:
    config, url = setup(tmp_path)
    pine = mounts.tmpfs(tmp_path / "partners" / "pine-tree" / "outbound")
    filler = fill(pine) if fault == "full" else None
    if fault == "read-only":
        mounts.read_only(pine)
    assert sweep(config, url, "inbound").exit_code == 0
    result = sweep(config, url)
    assert result.exit_code == 4, result.output
    said = {
        "full": ("No space left on device [ENOSPC]", "Free space on that folder's file system."),
        "read-only": ("Read-only file system [EROFS]", "remount it read-write"),
    }[fault]
    assert (
        f"not delivered: {PINE_FILE} for PINE TREE POWER SUPPLY ({PINE}) into {pine}: {said[0]}"
        in result.stderr
    )
    assert said[1] in result.stderr and "the next outbound sweep delivers it" in result.stderr
    assert "2 not delivered" not in result.output and "1 not delivered" in result.output
    # the others got theirs; Pine Tree's rows are not sent and its file waits, staged
    assert delivered(tmp_path, "acadia") == ["082345678-000000001.x12"]
    assert len(delivered(tmp_path, "katahdin")) == 2
    assert delivered(tmp_path, "pine-tree") == []  # no temporary file left behind either
    rows = pine_rows(url)
    assert rows and all(name == PINE_FILE and sent is None for name, sent in rows)
    assert recorded_folder(url, PINE_FILE) is None
    staged = (tmp_path / "work" / "outbound" / PINE_FILE).read_bytes()
    # room again: exactly one file, the bytes staged, under the same control number
    if filler is not None:
        filler.unlink()
    else:
        mounts.read_write(pine)
    result = sweep(config, url)
    assert result.exit_code == 0, result.output
    assert delivered(tmp_path, "pine-tree") == [PINE_FILE]
    assert (pine / PINE_FILE).read_bytes() == staged
    assert kinds(pine / PINE_FILE) == ["enrollment_accept", "functional_ack"]
    assert all(sent is not None for _, sent in pine_rows(url))
    assert recorded_folder(url, PINE_FILE) == str(pine)
    assert delivered(tmp_path, "acadia") == ["082345678-000000001.x12"]  # nothing again
    assert not list((tmp_path / "work" / "outbound").iterdir())
    # and a sweep with nothing to send sends nothing
    assert sweep(config, url).exit_code == 0
    assert delivered(tmp_path, "pine-tree") == [PINE_FILE]


def test_a_retry_goes_into_the_folder_configured_then(tmp_path: Path, mounts: Mounts) -> None:
    config, url = setup(tmp_path)
    old = mounts.tmpfs(tmp_path / "partners" / "pine-tree" / "outbound")
    fill(old)
    assert sweep(config, url, "inbound").exit_code == 0
    assert sweep(config, url).exit_code == 4
    staged = (tmp_path / "work" / "outbound" / PINE_FILE).read_bytes()
    new = tmp_path / "partners" / "pine-tree" / "new-outbound"
    new.mkdir()
    text = config.read_text()
    config.write_text(
        text.replace('outbound = "partners/pine-tree/outbound"', f'outbound = "{new}"', 1)
    )
    result = sweep(config, url)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in new.iterdir()) == [PINE_FILE]
    assert (new / PINE_FILE).read_bytes() == staged
    assert sorted(p.name for p in old.iterdir()) == ["filler"]
    assert recorded_folder(url, PINE_FILE) == str(new)


def test_a_missing_partner_folder_is_told_and_not_made(tmp_path: Path) -> None:
    config, url = setup(tmp_path)
    pine = tmp_path / "partners" / "pine-tree" / "outbound"
    assert sweep(config, url, "inbound").exit_code == 0
    result = sweep(config, url)
    assert result.exit_code == 4
    assert f"into {pine}: the folder does not exist [ENOENT]" in result.stderr
    assert "Create the folder (or mount its file system), or correct the folder." in (result.stderr)
    assert f"The folder is [[partner]] outbound in {config}." in result.stderr
    assert not pine.exists()
    assert delivered(tmp_path, "acadia") == ["082345678-000000001.x12"]
    check = ebt("partners", "check", "--config", str(config)).output
    assert f"out {pine}  (missing: create it; the sweeps do not make it)" in check
    assert f"out {tmp_path / 'partners' / 'acadia' / 'outbound'}\n" in check
    pine.mkdir()
    assert sweep(config, url).exit_code == 0
    assert delivered(tmp_path, "pine-tree") == [PINE_FILE]


def test_later_files_wait_behind_an_undelivered_one(tmp_path: Path, mounts: Mounts) -> None:
    config, url = setup(tmp_path)
    pine = mounts.tmpfs(tmp_path / "partners" / "pine-tree" / "outbound")
    filler = fill(pine)
    assert sweep(config, url, "inbound").exit_code == 0
    assert sweep(config, url).exit_code == 4
    with session_factory(make_engine(url))() as session:  # a TA1 owed to Pine Tree since
        session.add(
            Outbox(
                recipient=PINE,
                set_id="TA1",
                kind="reject:99",
                body=json.dumps({"control": "000000123", "code": "R", "note": "022"}),
                created_at=datetime(2026, 11, 20, 9),
            )
        )
        session.commit()
    result = sweep(config, url)  # the TA1 is not tried before the file it follows
    assert result.exit_code == 4
    assert f"not delivered: {PINE}-000000002.x12" in result.stderr
    assert f"waits behind {PINE_FILE}, which could not be delivered" in result.stderr
    assert delivered(tmp_path, "pine-tree") == []
    filler.unlink()
    result = sweep(config, url)
    assert result.exit_code == 0
    assert result.output.index(PINE_FILE) < result.output.index(f"{PINE}-000000002.x12")
    assert delivered(tmp_path, "pine-tree") == [PINE_FILE, f"{PINE}-000000002.x12"]


def test_a_link_at_the_temporary_name_is_not_followed(tmp_path: Path) -> None:
    config, url = setup(tmp_path)
    pine = tmp_path / "partners" / "pine-tree" / "outbound"
    pine.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    (pine / f".{PINE_FILE}.tmp").symlink_to(victim)
    assert sweep(config, url, "inbound").exit_code == 0
    assert sweep(config, url).exit_code == 0
    assert victim.read_text() == "keep me"
    assert sorted(p.name for p in pine.iterdir()) == [PINE_FILE]
    assert kinds(pine / PINE_FILE) == ["enrollment_accept", "functional_ack"]


def test_an_archive_that_cannot_be_written_holds_back_no_delivery(tmp_path: Path) -> None:
    config, url = setup(tmp_path)
    (tmp_path / "partners" / "pine-tree" / "outbound").mkdir()
    (tmp_path / "archive").mkdir()
    (tmp_path / "archive" / "sent").write_text("not a folder")
    assert sweep(config, url, "inbound").exit_code == 0
    result = sweep(config, url)
    assert result.exit_code == 4
    assert f"{PINE_FILE} was delivered but not archived" in result.stderr
    before = {p: delivered(tmp_path, p) for p in ("pine-tree", "acadia", "katahdin")}
    assert [len(names) for names in before.values()] == [1, 1, 2]
    assert all(sent is not None for _, sent in pine_rows(url))
    (tmp_path / "archive" / "sent").unlink()
    result = sweep(config, url)
    assert result.exit_code == 0, result.output
    assert {p: delivered(tmp_path, p) for p in before} == before  # nothing delivered twice
    assert not list((tmp_path / "work" / "outbound").iterdir())
    kept = sorted(p.name for p in (tmp_path / "archive" / "sent").rglob("*.x12"))
    assert kept == sorted(name for names in before.values() for name in names)


def isa15(path: Path) -> str:
    text = path.read_text()
    return text.split(text[3])[15]


def test_a_partner_in_test_mode_gets_isa15_t(tmp_path: Path) -> None:
    config, url = setup(tmp_path)
    (tmp_path / "partners" / "pine-tree" / "outbound").mkdir()
    text = config.read_text()
    config.write_text(text.replace("production = true", "production = false", 1))  # Pine Tree
    request = tmp_path / "partners" / "pine-tree" / "inbound" / "814-enrollment-request.x12"
    request.write_bytes(request.read_bytes().replace(b"*0*P*>", b"*0*T*>", 1))
    assert sweep(config, url, "inbound").exit_code == 0
    assert sweep(config, url).exit_code == 0
    pine = tmp_path / "partners" / "pine-tree" / "outbound" / PINE_FILE
    assert isa15(pine) == "T"
    assert kinds(pine) == ["enrollment_accept", "functional_ack"]
    assert isa15(tmp_path / "partners" / "acadia" / "outbound" / "082345678-000000001.x12") == "P"


def test_ebt_process_answers_a_partner_in_test_mode_with_isa15_t(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ebt.db'}"
    reference = tmp_path / "reference"
    shutil.copytree(ROOT / "fixtures" / "reference", reference)
    partners = reference / "partners.csv"
    partners.write_text(
        partners.read_text().replace(
            f'{PINE},PINE TREE POWER SUPPLY,CES,true,"LDC,DUAL",true',
            f'{PINE},PINE TREE POWER SUPPLY,CES,true,"LDC,DUAL",false',
        )
    )
    assert ebt("load", str(reference), "--db", url).exit_code == 0
    request = tmp_path / "request.x12"
    request.write_bytes(
        (GOOD / "814-enrollment-request.x12").read_bytes().replace(b"*0*P*>", b"*0*T*>", 1)
    )
    out = tmp_path / "out"
    result = ebt("process", str(request), "--out", str(out), "--db", url)
    assert result.exit_code == 0, result.output
    assert isa15(out / PINE_FILE) == "T"


def test_an_answer_to_a_sender_that_cannot_be_identified_is_named_so(tmp_path: Path) -> None:
    config, url = setup(tmp_path)
    (tmp_path / "partners" / "pine-tree" / "outbound").mkdir()
    with session_factory(make_engine(url))() as session:
        for recipient in ("", "../../etc/x"):  # a blank ISA06; one no file may be named for
            session.add(
                Outbox(
                    recipient=recipient,
                    set_id="TA1",
                    kind="reject:1",
                    body=json.dumps({"control": "000000000", "code": "R", "note": "022"}),
                    created_at=datetime(2026, 11, 20, 9),
                )
            )
        session.add(
            Outbox(
                recipient="",
                set_id="997",
                kind="ack:1",
                body=encode_body([["AK1", "GE", "7"], ["AK9", "A", "1", "1", "1"]]),
                created_at=datetime(2026, 11, 20, 9),
            )
        )
        session.commit()
    result = sweep(config, url)
    assert result.exit_code == 0, result.output
    unrouted = tmp_path / "unrouted"
    names = sorted(p.name for p in unrouted.iterdir())
    assert names == [f"unidentified-sender-00000000{n}.x12" for n in (1, 2, 3)]
    assert not (tmp_path / "etc").exists()
    with session_factory(make_engine(url))() as session:
        files = {f.name: f.recipient for f in session.scalars(select(OutboundFile))}
    assert sorted(files.values()) == ["", "", "../../etc/x"]
    for name in names:
        head = (unrouted / name).read_text()[:106]
        assert head.split("*")[8] in (" " * 15, "../../etc/x    ")


def test_write_outbox_names_an_unidentified_recipient_and_marks_rows_sent(
    tmp_path: Path,
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'ebt.db'}")
    upgrade(engine)
    sessions = session_factory(engine)
    with sessions() as session:
        session.add(TradingPartner(duns="049876543", name="CASCO BAY", role="T&D"))
        session.add(
            Outbox(
                recipient="  ",
                set_id="997",
                kind="ack:1",
                body=encode_body([["AK1", "GE", "7"], ["AK9", "A", "1", "1", "1"]]),
                created_at=datetime(2026, 11, 20, 9),
            )
        )
        session.commit()
    (written,) = write_outbox(sessions, tmp_path / "out", now=datetime(2026, 11, 20, 10))
    assert written.name == "unidentified-sender-000000001.x12"
    assert kinds(written) == ["functional_ack"]
    with sessions() as session:
        row = session.scalars(select(Outbox)).one()
    assert row.file_name == written.name and row.sent_at is not None


def test_rows_resent_before_staging_existed_are_sent_again(tmp_path: Path) -> None:
    from alembic import command

    from ebt.store.database import alembic_config

    engine = make_engine(f"sqlite:///{tmp_path / 'ebt.db'}")
    settings = alembic_config()
    with engine.begin() as connection:
        settings.attributes["connection"] = connection
        command.upgrade(settings, "0004_sweeps")
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO outbox (recipient, set_id, kind, body, created_at, sent_at, file_name) "
            "VALUES ('081234567', '997', 'ack:1', '[]', '2026-11-20', NULL, 'a.x12'), "
            "('081234567', '997', 'ack:2', '[]', '2026-11-20', '2026-11-20', 'b.x12')"
        )
    upgrade(engine)
    with session_factory(engine)() as session:
        rows = session.execute(select(Outbox.kind, Outbox.file_name).order_by(Outbox.id)).all()
    assert [tuple(r) for r in rows] == [("ack:1", None), ("ack:2", "b.x12")]


def test_a_days_997s_are_written_one_at_a_time(tmp_path: Path) -> None:
    """Each 997 answers a whole inbound group (an AK2 and AK5 for each of its sets): forty of
    half a megabyte each are read one at a time, not all at once."""
    import tracemalloc

    url = f"sqlite:///{tmp_path / 'ebt.db'}"
    engine = make_engine(url)
    upgrade(engine)
    sessions = session_factory(engine)
    now = datetime(2026, 11, 20, 9, 30)
    ack = [["AK1", "GE", "101"]]
    for number in range(1, 10_001):
        ack += [["AK2", "814", f"{number:04d}"], ["AK5", "A"]]
    ack.append(["AK9", "A", "10000", "10000", "10000"])
    body = encode_body(ack)
    assert len(body) > 300_000
    with sessions() as session:
        session.add(TradingPartner(duns="049876543", name="CASCO BAY", role="T&D"))
        session.add(TradingPartner(duns="081234567", name="PINE TREE", role="CES"))
        session.add_all(
            Outbox(recipient="081234567", set_id="997", kind=f"ack:{n}", body=body, created_at=now)
            for n in range(40)
        )
        session.commit()
    tracemalloc.start()
    try:
        (path,) = write_outbox(sessions, tmp_path / "out", now=now)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        engine.dispose()
    acks = [r.record for r in sets_in(path)]
    assert len(acks) == 40
    assert peak < 8 * len(body)  # all forty at once would be over 40 times one
