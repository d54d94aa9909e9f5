"""Which claimed file a sweep takes next (`InboundSweep._next`): the oldest that no other
worker holds, looked for a page of candidates at a time, so that an inbox of many small
files costs a look a file and not a read of every file still waiting."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import sweep_support
from sqlalchemy import event

import ebt.sweep.inbound as inbound
from ebt.data.market import load_market
from ebt.store.database import make_engine, session_factory
from ebt.store.schema import InboundFile
from ebt.sweep.config import load_config
from ebt.sweep.locks import FILE_LOCKS

FILES = 7


class OthersHold:
    """Locks where other workers hold some files (by id), as advisory locks would be."""

    def __init__(self, held: set[int]):
        self.held = held
        self.mine: set[int] = set()

    def try_lock(self, kind: int, key: int) -> bool:
        assert kind == FILE_LOCKS
        if key in self.held or key in self.mine:
            return False
        self.mine.add(key)
        return True

    def unlock(self, kind: int, key: int) -> None:
        self.mine.discard(key)

    def close(self) -> None:
        self.mine.clear()


@pytest.fixture
def claimed(tmp_path: Path) -> inbound.InboundSweep:
    """A sweep with FILES files claimed, ids 1 to FILES in the order they came."""
    sweep_support.write_config(tmp_path)
    for index in range(FILES):
        sweep_support.inbox_file(
            tmp_path / "ces" / "inbound" / f"enroll-{index}.x12", [index + 1], control=900 + index
        )
    url = f"sqlite:///{tmp_path / 'ebt.db'}"
    sweep_support.build_store(url, FILES)
    config, problems = load_config(tmp_path / "partners.toml")
    assert config is not None, problems
    engine = make_engine(url)
    market = load_market(datetime(2026, 11, 20, 9, 30))
    sweep = inbound.InboundSweep(engine, session_factory(engine), market, config)
    assert sweep.claim_waiting() == FILES
    return sweep


def test_the_oldest_file_no_one_holds_is_taken_across_pages(
    claimed: inbound.InboundSweep, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(inbound, "NEXT_PAGE", 2)
    locks = OthersHold({1, 2, 3, 4, 6})
    claimed.locks = locks  # type: ignore[assignment]
    file = claimed._next("claimed")
    assert file is not None and file.id == 5  # on the third page
    assert locks.mine == {5}
    again = claimed._next("claimed")
    assert again is not None and again.id == 7  # 5 is this worker's now, 6 another's
    assert claimed._next("claimed") is None  # every one is held
    locks.held.clear()
    claimed.held = [(1, 0), (2, 0)]  # read, their writes under way
    following = claimed._next("claimed")
    assert following is not None and following.id == 3


def test_a_look_for_the_next_file_loads_that_file_not_the_whole_inbox(
    claimed: inbound.InboundSweep,
) -> None:
    claimed.locks = OthersHold(set())  # type: ignore[assignment]
    loaded: list[int] = []

    def load(target: InboundFile, context: Any) -> None:
        loaded.append(target.id)

    event.listen(InboundFile, "load", load)
    try:
        taken = [claimed._next("claimed") for _ in range(3)]
    finally:
        event.remove(InboundFile, "load", load)
    assert [file.id for file in taken if file is not None] == [1, 2, 3]
    assert loaded == [1, 2, 3]  # each look loads the file it takes, and no other


def test_a_look_for_the_next_file_reads_the_status_index(claimed: inbound.InboundSweep) -> None:
    """Not a scan of every file ever received (years of archived ones) for each look."""
    claimed.locks = OthersHold(set())  # type: ignore[assignment]
    engine = claimed.sessions.kw["bind"]
    looks: list[tuple[str, Any]] = []

    def seen(conn: Any, cursor: Any, statement: str, parameters: Any, *rest: Any) -> None:
        if "FROM inbound_files" in statement and "LIMIT" in statement:
            looks.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", seen)
    try:
        assert claimed._next("claimed") is not None
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert looks
    with engine.connect() as db:
        for statement, parameters in looks:
            plan = db.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
            details = " ".join(str(row[-1]) for row in plan)
            assert "ix_inbound_files_status_id" in details, details
