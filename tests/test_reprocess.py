"""`ebt reprocess`: a received file taken through the pipeline again on purpose, recorded;
its sets decided before are not decided again; the same bytes in an inbox stay refused."""

from __future__ import annotations

import getpass
import shutil
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import func, select
from sweep_support import build_store, inbox_file, write_config

from ebt.cli import main
from ebt.store.database import make_engine, session_factory
from ebt.store.schema import Decision, FindingRow, InboundFile, Interchange, Outbox, Reprocessing

ROOT = Path(__file__).resolve().parent.parent
GOOD = ROOT / "fixtures" / "x12" / "good"
TODAY = "2026-11-20"
ACADIA, SECOND_ID = "082345678", "082345679"


def run(*args: str, code: int = 0) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result.output


def count(url: str, *what: object) -> int:
    engine = make_engine(url)
    try:
        with session_factory(engine)() as session:
            return session.scalar(select(func.count()).select_from(*what)) or 0  # type: ignore[arg-type]
    finally:
        engine.dispose()


def demo(tmp_path: Path, url: str) -> Path:
    config = tmp_path / "partners.toml"
    shutil.copyfile(ROOT / "fixtures" / "partners" / "demo.toml", config)
    for partner in ("pine-tree", "acadia", "katahdin"):
        (tmp_path / "partners" / partner / "outbound").mkdir(parents=True)
    run("load", str(ROOT / "fixtures" / "reference"), "--db", url)
    return config


def test_a_file_refused_for_an_unregistered_id_is_taken_again_once_the_id_is_registered(
    store_url: str, tmp_path: Path
) -> None:
    config = demo(tmp_path, store_url)
    change = (GOOD / "814-change-request.x12").read_text()
    second = change.replace(f"*01*{ACADIA}      *", f"*01*{SECOND_ID}      *", 1)
    second = second.replace(f"GS*GE*{ACADIA}*", f"GS*GE*{SECOND_ID}*", 1)
    inbox = tmp_path / "partners" / "acadia" / "inbound"
    inbox.mkdir(parents=True)
    (inbox / "second-id.x12").write_text(second)
    common = ("--config", str(config), "--db", store_url)
    run("--today", TODAY, "sweep", "inbound", *common, code=1)  # ISA06-CHANNEL
    assert count(store_url, Decision) == 0
    # the operator registers Acadia's second id, then takes the file again
    text = config.read_text().replace(
        'name = "ACADIA ENERGY"', f'name = "ACADIA ENERGY"\nids = ["{SECOND_ID}"]'
    )
    config.write_text(text)
    output = run("--today", TODAY, "reprocess", "second-id.x12", "--reason", "id registered",
                 *common)  # fmt: skip
    assert "1 set(s) decided (change 1)" in output and "0 decided before" in output
    engine = make_engine(store_url)
    with session_factory(engine)() as session:
        (record,) = session.scalars(select(Reprocessing))
        assert record.reason == "id registered" and record.operator == getpass.getuser()
        assert record.decided == 1 and record.finished_at is not None
        (interchange,) = session.scalars(select(Interchange))
        assert interchange.refused is None
        file = session.scalars(select(InboundFile)).one()
        assert file.status == "archived" and Path(file.archived_to or "").exists()
        acks = session.scalars(select(Outbox).where(Outbox.set_id == "997")).all()
        assert {a.recipient for a in acks} == {ACADIA}
    engine.dispose()
    # again: nothing is decided twice
    output = run("--today", TODAY, "reprocess", "second-id.x12", "--reason", "again", *common)
    assert "0 set(s) decided" in output and "1 decided before" in output
    assert count(store_url, Decision) == 1


def test_the_same_bytes_in_an_inbox_stay_refused_and_the_finding_names_reprocess(
    store_url: str, tmp_path: Path
) -> None:
    config = demo(tmp_path, store_url)
    inbox = tmp_path / "partners" / "pine-tree" / "inbound"
    inbox.mkdir(parents=True)
    data = (GOOD / "814-enrollment-request.x12").read_bytes()
    common = ("--config", str(config), "--db", store_url)
    (inbox / "first.x12").write_bytes(data)
    run("--today", TODAY, "sweep", "inbound", *common)
    (inbox / "again.x12").write_bytes(data)
    output = run("--today", TODAY, "sweep", "inbound", *common)
    assert "1 repeated file(s) refused: again.x12" in output
    engine = make_engine(store_url)
    with session_factory(engine)() as session:
        (repeat,) = session.scalars(select(FindingRow).where(FindingRow.code == "DUPLICATE-FILE"))
        assert "ebt reprocess 1 --reason" in repeat.message
    engine.dispose()
    assert count(store_url, Decision) == 1


def test_a_file_set_aside_in_error_is_read_and_archived_when_taken_again(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ebt.db'}"
    build_store(url, 6000)
    config = write_config(tmp_path)  # max_file_mb = 1
    big = tmp_path / "ces" / "inbound" / "big.x12"
    inbox_file(big, range(1, 5001), control=901)
    assert big.stat().st_size > 1024 * 1024
    common = ("--config", str(config), "--db", url)
    run("--today", TODAY, "sweep", "inbound", *common, code=1)  # FILE-TOO-LARGE
    assert (tmp_path / "error" / "big.x12").exists() or list((tmp_path / "error").glob("*big.x12"))
    output = run("--today", TODAY, "reprocess", "big.x12", "--reason", "we take big files", *common)
    assert "5000 set(s) decided" in output and "archived as" in output
    assert not list((tmp_path / "error").glob("*big.x12"))
    assert count(url, Decision) == 5000


def test_a_file_of_ebt_process_cannot_be_reprocessed_and_says_why(
    store_url: str, tmp_path: Path
) -> None:
    run("load", str(ROOT / "fixtures" / "reference"), "--db", store_url)
    path = tmp_path / "enroll.x12"
    path.write_bytes((GOOD / "814-enrollment-request.x12").read_bytes())
    run("--today", TODAY, "process", str(path), "--db", store_url, "--out", str(tmp_path / "o"))
    output = run("reprocess", "enroll.x12", "--reason", "x", "--db", store_url, code=1)
    assert "keeps no copy" in output
    output = run("reprocess", "nothing.x12", "--reason", "x", "--db", store_url, code=1)
    assert "no inbound file named 'nothing.x12'" in output
