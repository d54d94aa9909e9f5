"""Where the store is: --db, else $EBT_DATABASE_URL, else the partners configuration's
[store] url, else ./ebt.db; only load, sweep demo and --create make one; every other
command refuses a store that is not there, saying where it looked. And the logs: zone-aware
times, JSON lines, other libraries' INFO lines off."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from ebt.cli import main

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, code: int = 0, env: dict[str, str] | None = None) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False, env=env)
    assert result.exit_code == code, result.output
    return result.output


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("EBT_DATABASE_URL", raising=False)
    monkeypatch.delenv("EBT_PARTNERS", raising=False)
    return tmp_path


def test_a_command_refuses_a_store_that_is_not_there_and_says_where_it_looked(here: Path) -> None:
    output = run("status", code=3)
    assert "there is no store at" in output and str(here / "ebt.db") in output
    assert "the default, ebt.db in the working directory" in output
    assert "ebt load" in output and "--create" in output
    assert not (here / "ebt.db").exists()  # nothing made
    output = run("workitems", "--db", f"sqlite:///{here / 'other.db'}", code=3)
    assert "given by --db" in output and not (here / "other.db").exists()
    run("status", "--create")
    assert (here / "ebt.db").exists()
    run("status")  # there now


def test_load_makes_the_store(here: Path) -> None:
    run("load", str(ROOT / "fixtures" / "reference"))
    assert (here / "ebt.db").exists()
    assert "00412345678" in run("find", "--name", "THIBODEAU")


def test_the_partners_configuration_names_the_store_with_variables_expanded(
    here: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = here / "partners.toml"
    shutil.copyfile(ROOT / "fixtures" / "partners" / "demo.toml", config)
    store = here / "stores" / "ebt.db"
    store.parent.mkdir()
    config.write_text(
        config.read_text() + '\n[store]\nurl = "sqlite:///${EBT_TEST_STORES}/ebt.db"\n'
    )
    monkeypatch.setenv("EBT_TEST_STORES", str(store.parent))
    output = run("status", code=3)
    assert str(store) in output and "[store] url in partners.toml" in output
    run("load", str(ROOT / "fixtures" / "reference"))
    assert store.exists() and not (here / "ebt.db").exists()
    monkeypatch.delenv("EBT_TEST_STORES")
    run("status", env={"EBT_DATABASE_URL": f"sqlite:///{store}"})  # the variable comes first


def test_a_postgresql_database_without_a_store_is_refused(postgres_schemas: Any) -> None:
    name, url = postgres_schemas.create()
    try:
        output = run("status", "--db", url, code=3)
        assert "holds no ebt store" in output
        run("status", "--db", url, "--create")
        run("status", "--db", url)
    finally:
        postgres_schemas.drop(name)


def test_logs_carry_the_zone_and_can_be_json(
    here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from ebt.cli import logs

    logs.configure("INFO", "json")
    logging.getLogger("ebt.scheduler").info("job %s done", "inbound")
    logging.getLogger("alembic.runtime.migration").info("Context impl SQLiteImpl.")
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert [line["message"] for line in lines] == ["job inbound done"]  # no Alembic INFO
    assert lines[0]["time"][-6:] in ("-05:00", "-04:00") and lines[0]["level"] == "INFO"
    logs.configure("DEBUG", "text")
    logging.getLogger("alembic.runtime.migration").info("Context impl SQLiteImpl.")
    text = capsys.readouterr().err
    assert "alembic.runtime.migration Context impl" in text
    logs.configure("INFO", "text")
