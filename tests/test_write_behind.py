"""Writing one batch while the next is decided (`ebt.pipeline.decide.DecideNow` on
PostgreSQL): the decisions are those of deciding and committing each batch in turn, even
when the writer is slow and consecutive batches share an account or a request reference;
a writer's error stops the run and is not lost."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select

import ebt.pipeline.decide as decide
import ebt.pipeline.intake as intake
from ebt.cli import main
from ebt.store.database import make_engine
from ebt.store.schema import Decision
from ebt.store.schema import Transaction as TransactionRow

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "fixtures" / "x12" / "good" / "814-enrollment-request.x12"
TODAY = "2026-11-20"
# (account, BGN02): consecutive requests share an account or a reference, or neither
REQUESTS = [
    ("00412345678", "PTP-WB-01"),
    ("00412345678", "PTP-WB-02"),  # the same account as the one before: first in wins
    ("00284695079", "PTP-WB-02"),  # the same reference as the one before: a repeat
    ("00200456789", "PTP-WB-03"),
    ("00299389041", "PTP-WB-04"),
    ("00200456789", "PTP-WB-05"),  # the account of the one before the one before
    ("00277348098", "PTP-WB-01"),  # a reference decided three batches before
    ("00412345678", "PTP-WB-06"),
]


def requests_file(folder: Path) -> Path:
    """One interchange of enrollment requests, one per (account, reference)."""
    text = TEMPLATE.read_text(encoding="ascii")
    head, _, rest = text.partition("ST*814*0001~")
    one, _, tail = rest.partition("SE*16*0001~")
    sets = []
    for number, (account, reference) in enumerate(REQUESTS, start=1):
        body = one.replace("PTP-ENR-20261102-0001", reference).replace("00412345678", account)
        sets.append(f"ST*814*{number:04d}~{body}SE*16*{number:04d}~")
    path = folder / "814-write-behind.x12"
    path.write_text(
        head + "".join(sets) + tail.replace("GE*1*", f"GE*{len(REQUESTS)}*"), encoding="ascii"
    )
    return path


def run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


Decided = list[tuple[str | None, str | None, str, str | None]]  # account, BGN02, outcome, code


def decided(url: str) -> Decided:
    engine = make_engine(url)
    try:
        with engine.connect() as db:
            rows = db.execute(
                select(
                    TransactionRow.account_number,
                    TransactionRow.reference,
                    Decision.outcome,
                    Decision.code,
                )
                .join(Decision, Decision.transaction_id == TransactionRow.id)
                .order_by(TransactionRow.id)
            )
            return [tuple(row) for row in rows]
    finally:
        engine.dispose()


def process(url: str, path: Path, out: Path) -> Decided:
    run("load", str(ROOT / "fixtures" / "reference"), "--db", url)
    run("--today", TODAY, "process", str(path), "--db", url, "--out", str(out))
    return decided(url)


@pytest.fixture
def one_set_a_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(intake, "BATCH", 1)


@pytest.fixture
def slow_writer(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[float]]:
    """Each batch written a while after it was handed over (a next batch that did not wait
    for it would read the accounts as they were before it); when each write and each
    decide began."""
    began: dict[str, list[float]] = {"write": [], "written": [], "decide": []}
    write, decided = decide.write_batch, decide.Deciding.decided

    def slow_write(session: Any, writes: Any) -> None:
        began["write"].append(time.perf_counter())
        time.sleep(0.15)
        write(session, writes)
        began["written"].append(time.perf_counter())

    def timed_decided(self: Any, *args: Any) -> Any:
        began["decide"].append(time.perf_counter())
        return decided(self, *args)

    monkeypatch.setattr(decide, "write_batch", slow_write)
    monkeypatch.setattr(decide.Deciding, "decided", timed_decided)
    return began


def test_deciding_ahead_of_the_writer_decides_as_deciding_in_turn(
    postgres_schemas: Any,
    tmp_path: Path,
    one_set_a_batch: None,
    slow_writer: dict[str, list[float]],
) -> None:
    path = requests_file(tmp_path)
    in_turn = process(f"sqlite:///{tmp_path / 'ebt.db'}", path, tmp_path / "sqlite")
    for times in slow_writer.values():
        times.clear()
    name, url = postgres_schemas.create()
    try:
        behind = process(url, path, tmp_path / "postgresql")
    finally:
        postgres_schemas.drop(name)
    assert len(in_turn) == len(REQUESTS)
    outcomes = [outcome for _, _, outcome, _ in in_turn]
    assert "enroll" in outcomes and "reject" in outcomes  # the shared ones were refused
    assert behind == in_turn
    # the writer really was behind: some batch was decided before the one before it was
    # written (and never one that shares an account or reference: the outcomes above)
    written, decides = slow_writer["written"], slow_writer["decide"]
    assert len(written) == len(decides) == len(REQUESTS)
    assert any(decides[k + 1] < written[k] for k in range(len(REQUESTS) - 1))


def test_a_batch_touching_the_one_being_written_waits_for_it() -> None:
    behind = decide.WriteBehind()
    order: list[str] = []
    try:
        behind.submit(frozenset({"account:1"}), lambda: (time.sleep(0.2), order.append("1")))
        assert not behind.overlaps(frozenset({"account:2", "reference:R"}))
        assert behind.overlaps(frozenset({"account:1"}))
        behind.wait()
        assert order == ["1"]
        assert not behind.overlaps(frozenset({"account:1"}))  # written: nothing to wait for
    finally:
        behind.close()


def test_a_writers_error_is_raised_by_the_next_batch_and_the_interval_restored() -> None:
    interval = sys.getswitchinterval()
    behind = decide.WriteBehind()

    def fail() -> None:
        raise RuntimeError("could not write batch 1")

    behind.submit(frozenset(), fail)
    other = decide.WriteBehind()  # another sweep's writer in the same process
    other.submit(frozenset(), lambda: None)
    assert sys.getswitchinterval() < interval
    with pytest.raises(RuntimeError, match="batch 1"):
        behind.submit(frozenset(), lambda: None)
    behind.close()
    assert sys.getswitchinterval() < interval  # the other one still writes
    other.close()
    assert sys.getswitchinterval() == interval
