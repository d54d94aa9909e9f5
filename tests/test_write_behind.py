"""Writing one batch while the next is decided (`ebt.pipeline.decide.DecideNow` on
PostgreSQL): the decisions are those of deciding and committing each batch in turn, even
when the writer is slow and consecutive batches share an account or a request reference;
a writer's error stops the run and is not lost."""

from __future__ import annotations

import os
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import sweep_support
from click.testing import CliRunner
from sqlalchemy import select
from sweep_support import inbox_file, write_config

import ebt.pipeline.decide as decide
import ebt.pipeline.intake as intake
import ebt.sweep.inbound as inbound
from ebt.cli import main
from ebt.data.market import load_market
from ebt.pipeline.process import store_registry
from ebt.store.database import make_engine, session_factory
from ebt.store.schema import Decision, InboundFile, Interchange, Outbox
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


def test_a_writers_error_stops_the_writes_after_it_and_the_interval_is_restored() -> None:
    interval = sys.getswitchinterval()
    behind = decide.WriteBehind(depth=2)
    ran: list[str] = []

    def fail() -> None:
        time.sleep(0.1)
        raise RuntimeError("could not write batch 1")

    behind.submit(frozenset(), fail, "inbound file 7's end")
    behind.submit(frozenset(), lambda: ran.append("2"))  # queued behind it, not waited for
    other = decide.WriteBehind()  # another sweep's writer in the same process
    other.submit(frozenset(), lambda: None)
    assert sys.getswitchinterval() < interval
    with pytest.raises(RuntimeError, match="batch 1") as raised:
        behind.submit(frozenset(), lambda: ran.append("3"))  # two queued: waits for the first
    assert "while writing inbound file 7's end" in "".join(raised.value.__notes__)
    behind.close()
    assert ran == []  # batch 2 was not written over the lost batch 1, nor 3 submitted
    assert sys.getswitchinterval() < interval  # the other one still writes
    other.close()
    assert sys.getswitchinterval() == interval


def small_files_inbox(folder: Path) -> None:
    """Four files of four new accounts; after the first, each asks again for the first
    account of the file before, last (first in wins: that one is refused)."""
    write_config(folder)
    for index in range(4):
        accounts = list(range(1 + 4 * index, 5 + 4 * index))
        if index:
            accounts.append(1 + 4 * (index - 1))
        inbox_file(
            folder / "ces" / "inbound" / f"enroll-{index}.x12", accounts, control=700 + index
        )


def swept(folder: Path, url: str) -> list[tuple[str, str | None, str, str | None]]:
    """Sweep the inbox; (file, account, outcome, code) of every request, in delivery order."""
    where = ["--config", str(folder / "partners.toml"), "--db", url]
    run("--today", sweep_support.TODAY, "sweep", "inbound", *where)
    engine = make_engine(url)
    try:
        with engine.connect() as db:
            rows = db.execute(
                select(InboundFile.name, TransactionRow.account_number, Decision.outcome)
                .add_columns(Decision.code)
                .join(Interchange, Interchange.file_id == InboundFile.id)
                .join(TransactionRow, TransactionRow.interchange_id == Interchange.id)
                .join(Decision, Decision.transaction_id == TransactionRow.id)
                .order_by(InboundFile.id, TransactionRow.control)
            )
            return [tuple(row) for row in rows]
    finally:
        engine.dispose()


def test_a_sweep_reads_the_next_file_while_the_one_before_is_written(
    postgres_schemas: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    slow_writer: dict[str, list[float]],
) -> None:
    """A file's end is written behind its last batch, and the next file is read and decided
    meanwhile (a batch that shares an account with one being written waits for it); what
    is decided is what a sweep that commits everything in turn (SQLite) decides."""
    monkeypatch.setattr(intake, "BATCH", 2)
    ends: list[tuple[float, float]] = []  # when each file's end began and was committed
    end = intake._Run.end

    def timed_end(self: Any, session: Any, state: str) -> None:
        began = time.perf_counter()
        end(self, session, state)
        ends.append((began, time.perf_counter()))

    monkeypatch.setattr(intake._Run, "end", timed_end)
    holding: list[int] = []  # files held after each let-go of those written
    let_go = inbound.InboundSweep._let_go_written

    def counted_let_go(self: inbound.InboundSweep) -> None:
        let_go(self)
        holding.append(len(self.held))

    monkeypatch.setattr(inbound.InboundSweep, "_let_go_written", counted_let_go)
    small_files_inbox(tmp_path / "in-turn")
    sweep_support.build_store(f"sqlite:///{tmp_path / 'in-turn' / 'ebt.db'}", 16)
    in_turn = swept(tmp_path / "in-turn", f"sqlite:///{tmp_path / 'in-turn' / 'ebt.db'}")
    for times in slow_writer.values():
        times.clear()
    ends.clear()
    holding.clear()
    name, url = postgres_schemas.create()
    try:
        sweep_support.build_store(url, 16)
        small_files_inbox(tmp_path / "behind")
        behind = swept(tmp_path / "behind", url)
    finally:
        postgres_schemas.drop(name)
    assert len(in_turn) == 19
    outcomes = [outcome for _, _, outcome, _ in in_turn]
    assert outcomes.count("enroll") == 16 and outcomes.count("reject") == 3
    assert behind == in_turn
    # in batches of two a file is two or three batches: in turn, by the time file k's end
    # is committed 2 + 3k batches are decided; behind, the next file's first batch too
    decides = slow_writer["decide"]
    assert len(ends) == 4 and len(decides) == 11
    assert any(sum(d < ends[k][1] for d in decides) > 2 + 3 * k for k in range(3))
    # a file is let go once its writes are committed, not all at the end of the sweep
    assert len(holding) == 4 and max(holding) <= 2


class _FailingEnd:
    """A sink whose batches are taken (decided in turn) and whose file end fails, as a
    writer's error raised at the next submit would; `settled` says whether it was settled."""

    def __init__(self, sink: decide.DecideNow):
        self.sink = sink
        self.settled = False

    def take(self, file_id: int, batch: Any, interchanges: dict[str, int]) -> None:
        self.sink.take(file_id, batch, interchanges)

    def end(self, file_id: int, record: Any) -> None:
        raise RuntimeError(f"could not write file {file_id}'s batch before its end")

    def settle(self) -> None:
        self.settled = True
        self.sink.settle()


def test_a_failure_at_a_files_end_settles_the_sink_before_it_is_raised(tmp_path: Path) -> None:
    """The writer's thread is not left behind (nor the GIL switch interval quick) when the
    error comes out where the file's end is handed over."""
    url = f"sqlite:///{tmp_path / 'ebt.db'}"
    run("load", str(ROOT / "fixtures" / "reference"), "--db", url)
    engine = make_engine(url)
    sessions = session_factory(engine)
    market = load_market(datetime(2026, 11, 20, 9, 30))
    with sessions() as session:
        registry = store_registry(session)
        row = InboundFile(
            name=TEMPLATE.name,
            sha256="0" * 64,
            size=TEMPLATE.stat().st_size,
            status="received",
            received_at=market.now,
        )
        session.add(row)
        session.commit()
        file_id = row.id
    sink = _FailingEnd(decide.DecideNow(sessions, market, decide.DecideSummary(), behind=False))
    taking = intake.Intake(sessions, market, intake.Terms(channel=None, registry=registry), sink)
    try:
        with TEMPLATE.open("rb") as source, pytest.raises(RuntimeError, match="its end"):
            taking.run(file_id, TEMPLATE.name, source, state="processed")
    finally:
        engine.dispose()
    assert sink.settled


def test_a_file_set_aside_is_answered_after_the_files_before_it(
    postgres_schemas: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    slow_writer: dict[str, list[float]],
) -> None:
    """A file that cannot be read is rejected (TA1) only once the answers of the file before
    it, still being written behind, are committed: the outbox's order, and so the outbound
    files', does not depend on the writer's timing."""
    monkeypatch.setattr(intake, "BATCH", 2)
    write_config(tmp_path)
    inbound_folder = tmp_path / "ces" / "inbound"
    inbox_file(inbound_folder / "enroll-0.x12", range(1, 6), control=800)
    (inbound_folder / "enroll-1.x12").write_text("this is not an interchange\n")
    for age, name in enumerate(["enroll-0.x12", "enroll-1.x12"]):
        os.utime(inbound_folder / name, (1_700_000_000 + age, 1_700_000_000 + age))
    name, url = postgres_schemas.create()
    try:
        sweep_support.build_store(url, 5)
        where = ["--config", str(tmp_path / "partners.toml"), "--db", url]
        command = ["--today", sweep_support.TODAY, "sweep", "inbound", *where]
        said = CliRunner().invoke(main, command)
        assert said.exit_code == 1 and "1 file(s) to error/: enroll-1.x12" in said.stdout
        engine = make_engine(url)
        try:
            with engine.connect() as db:
                ordered = db.scalars(select(Outbox.kind).order_by(Outbox.id))
                kinds = [kind.split(":")[0] for kind in ordered]
        finally:
            engine.dispose()
    finally:
        postgres_schemas.drop(name)
    assert slow_writer["write"]  # the good file's batches were written behind
    assert kinds.count("reject") == 1 and "ack" in kinds
    assert kinds[-1] == "reject"  # after the first file's 814 answers and its 997
