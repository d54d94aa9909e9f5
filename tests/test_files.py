"""The file ledger: `ebt files` and `ebt file show`, over the console's query layer; and a
store upgrade that fails half way leaves the store as it was."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from alembic import command
from click.testing import CliRunner
from sqlalchemy import inspect, text

from ebt.cli import main
from ebt.store.database import alembic_config, make_engine, upgrade

ROOT = Path(__file__).resolve().parent.parent
GOOD = ROOT / "fixtures" / "x12" / "good"
TODAY = "2026-11-20"
SENDERS = {
    "814-enrollment-request.x12": "pine-tree",
    "814-change-request.x12": "acadia",
    "814-drop-request.x12": "katahdin",
}


def run(*args: str, code: int = 0) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result.output


@pytest.fixture
def swept(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'ebt.db'}"
    config = tmp_path / "partners.toml"
    shutil.copyfile(ROOT / "fixtures" / "partners" / "demo.toml", config)
    run("load", str(ROOT / "fixtures" / "reference"), "--db", url)
    for name, partner in SENDERS.items():
        inbox = tmp_path / "partners" / partner / "inbound"
        inbox.mkdir(parents=True)
        (tmp_path / "partners" / partner / "outbound").mkdir(parents=True)
        shutil.copyfile(GOOD / name, inbox / name)
    run("--today", TODAY, "sweep", "all", "--config", str(config), "--db", url)
    return url


def test_files_lists_received_and_sent_files_with_their_states(swept: str) -> None:
    received = json.loads(run("files", "--db", swept, "--format", "json"))["files"]
    assert sorted(f["name"] for f in received) == sorted(SENDERS)
    assert {f["state"] for f in received} == {"archived"}
    sent = json.loads(run("files", "--direction", "out", "--db", swept, "--format", "json"))
    assert {f["partner"] for f in sent["files"]} == {"081234567", "082345678", "083456789"}
    katahdin = run("files", "--partner", "083456789", "--db", swept)
    assert "814-drop-request.x12" in katahdin and "814-change-request.x12" not in katahdin
    assert "no file found" in run("files", "--state", "error", "--db", swept)
    expected = run("files", "--direction", "out", "--state", "no 997 expected", "--db", swept)
    assert expected.count("083456789-") == 2  # Katahdin expects no 997 from us


def test_a_file_is_found_by_isa13_bgn02_or_account(swept: str) -> None:
    by_isa13 = run("files", "--isa13", "342", "--db", swept)  # the drop's interchange
    assert "814-drop-request.x12" in by_isa13
    by_reference = run("files", "--reference", "PTP-ENR-20261102-0001", "--db", swept)
    assert "814-enrollment-request.x12" in by_reference and "081234567-" in by_reference
    by_account = json.loads(
        run("files", "--account", "00412345678", "--db", swept, "--format", "json")
    )
    assert {f["direction"] for f in by_account["files"]} == {"in", "out"}


def test_file_show_tells_a_received_files_whole_life(swept: str) -> None:
    text_view = run("file", "show", "814-drop-request.x12", "--db", swept)
    assert "KATAHDIN SOLAR SUPPLY" in text_view and "SHA-256" in text_view
    assert "ISA13 000000342" in text_view and "drop_off_cycle" in text_view
    assert "997 for group 342: AK9 A" in text_view  # the 997 sent for it, and where
    view = json.loads(
        run("file", "show", "814-drop-request.x12", "--db", swept, "--format", "json")
    )
    (transaction,) = view["transactions"]["rows"]
    assert transaction["reference"] == "KSS-DRP-20261103-0042"
    (answer,) = transaction["answers"]
    assert answer["file_name"].startswith("083456789-") and answer["kind"] == "drop_accept"
    assert Path(view["original"]).exists()


def test_file_show_tells_a_sent_files_content_and_its_997(swept: str) -> None:
    sent = json.loads(run("files", "--direction", "out", "--db", swept, "--format", "json"))
    pine = next(f for f in sent["files"] if f["partner"] == "081234567")
    view = json.loads(
        run("file", "show", pine["name"], "--direction", "out", "--db", swept, "--format", "json")
    )
    assert view["recipient"] == "081234567" and view["ack_expected"] is True
    kinds = {m["kind"] for m in view["messages"]["rows"]}
    assert "enrollment_accept" in kinds
    assert "no file named 'nothing.x12'" in run(
        "file", "show", "nothing.x12", "--db", swept, code=1
    )


def test_an_upgrade_that_fails_half_way_leaves_the_store_as_it_was(tmp_path: Path) -> None:
    """A store at schema 6 holding a table that schema 7 would create: the upgrade fails,
    and what it did before failing (a column added to decisions) is undone, on SQLite too."""
    engine = make_engine(f"sqlite:///{tmp_path / 'ebt.db'}")
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0006_outbound_staging")
        connection.execute(text("CREATE TABLE reprocessings (id INTEGER PRIMARY KEY)"))
    with pytest.raises(Exception, match="reprocessings"):
        upgrade(engine)
    with engine.connect() as connection:
        columns = {c["name"] for c in inspect(connection).get_columns("decisions")}
        version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    assert "facts" not in columns and version == "0006_outbound_staging"
    engine.dispose()
