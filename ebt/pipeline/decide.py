"""Deciding a batch of inbound sets and committing it: the market core's decider over the
store's reader, its writes in the same database transaction as the batch's bookkeeping.

`DecideNow` is the intake's sink when one process reads and decides (`ebt process`, a sweep
on SQLite): each batch is decided as it is read, committed with the file's position.
`Enqueue` is the sink when several sweeps share a PostgreSQL store: the batch goes on the
delivery queue, and the decide phase (`ebt.sweep.decide`) decides it in account order.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from ebt.market.decider import Decider, reads_of
from ebt.market.inbound import InboundSet
from ebt.market.reference import Market, Reference
from ebt.market.requests import REQUESTS
from ebt.market.writes import BatchWrites
from ebt.pipeline import switching
from ebt.pipeline.intake import taken
from ebt.store.bulk import insert_many, table_of
from ebt.store.market_reader import SqlMarketReader, read_reference
from ebt.store.schema import DeliveryQueue, QueueState
from ebt.store.unit_of_work import write_batch
from ebt.sweep.faults import crash_point
from ebt.sweep.queue import encode, partition_of


@dataclass(slots=True)
class DecideSummary:
    transactions: int = 0
    syntax_errors: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    rejects: dict[str, int] = field(default_factory=dict)

    def count(self, outcome: str, code: str | None) -> None:
        self.transactions += 1
        if outcome == "syntax_error":
            self.syntax_errors += 1
        else:
            self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1
        if code:
            self.rejects[code] = self.rejects.get(code, 0) + 1


class Deciding:
    """Decides batches in the caller's database transaction; the partners and cycle reads
    are read once, by the first batch."""

    def __init__(self, market: Market, summary: DecideSummary):
        self.market = market
        self.summary = summary
        self.reference: Reference | None = None

    def decide(
        self,
        session: Session,
        file_id: int,
        batch: list[InboundSet],
        interchanges: dict[str, int],
    ) -> None:
        write_batch(session, self.decided(session, file_id, batch, interchanges))

    def decided(
        self,
        session: Session,
        file_id: int,
        batch: list[InboundSet],
        interchanges: dict[str, int],
    ) -> BatchWrites:
        """Decide the batch, reading through `session`; what it writes (not written yet)."""
        if self.reference is None:
            self.reference = read_reference(session)
        decider = Decider(
            SqlMarketReader(session),
            self.market,
            REQUESTS,
            file_id=file_id,
            interchange_ids=interchanges,
            reference=self.reference,
        )
        decider.load(batch)
        for item in batch:
            self.summary.count(decider.take(item), decider.last_code)
        return decider.flush()


class DecideNow:
    """The intake's sink that decides each batch as it is read.

    On PostgreSQL (`behind`) a batch is written and committed in a thread of its own while
    the next one, of the same file or the next, is read and decided: the server's work on
    one overlaps the decider's on the next. The next batch is decided first only when it
    shares no account and no request reference with those being written (what it reads is
    then what it would read after their commits); otherwise it waits for them. A file's end
    is written behind its last batch. Commits stay in delivery order, each batch's with the
    file's position, so a run that dies resumes as if each had been committed in turn; the
    caller lets go of a file (its locks) only once `settle` returns. On SQLite every batch
    is decided and committed in turn."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        market: Market,
        summary: DecideSummary,
        *,
        behind: bool | None = None,
    ):
        self.sessions = sessions
        self.deciding = Deciding(market, summary)
        if behind is None:
            with sessions() as session:
                behind = session.get_bind().dialect.name == "postgresql"
        self.behind = WriteBehind() if behind else None

    def take(self, file_id: int, batch: list[InboundSet], interchanges: dict[str, int]) -> None:
        behind = self.behind
        if behind is None:
            with self.sessions() as session:
                self.deciding.decide(session, file_id, batch, interchanges)
                self._commit(session, file_id, batch)
            crash_point("commit")
            return
        touches = _touches(batch)
        if behind.overlaps(touches):
            behind.wait()  # what this batch reads, the one being written changes
        with self.sessions() as session:
            writes = self.deciding.decided(session, file_id, batch, interchanges)
        what = f"inbound file {file_id}'s sets through {batch[-1].position}"
        behind.submit(touches, lambda: self._write(file_id, batch, writes), what)

    def end(self, file_id: int, record: Callable[[Session], None]) -> None:
        """Record the file's end after its last batch: on PostgreSQL behind it, in the
        writer's thread, while the next file is read."""
        if self.behind is None:
            self._end(record)
            return
        self.behind.submit(frozenset(), lambda: self._end(record), f"inbound file {file_id}'s end")

    def mark(self) -> int:
        """A mark of what was taken and ended so far (`written` says when it is committed)."""
        return self.behind.submitted if self.behind is not None else 0

    def written(self, mark: int) -> bool:
        """Whether everything taken and ended up to `mark` is committed."""
        return self.behind is None or self.behind.done >= mark

    def settle(self) -> None:
        """Wait until every batch taken and every end is committed (raising a writer's
        error here)."""
        if self.behind is not None:
            self.behind.close()

    def _end(self, record: Callable[[Session], None]) -> None:
        with self.sessions() as session:
            record(session)

    def _write(self, file_id: int, batch: list[InboundSet], writes: BatchWrites) -> None:
        with self.sessions() as session:
            write_batch(session, writes)
            self._commit(session, file_id, batch)
        crash_point("commit")

    def _commit(self, session: Session, file_id: int, batch: list[InboundSet]) -> None:
        taken(session, file_id, batch[-1].position)
        crash_point("decide")
        session.commit()


def _touches(batch: list[InboundSet]) -> frozenset[str]:
    """What deciding the batch reads that deciding another could change (`reads_of`, what
    the decider loads): its accounts (by number) and its requests' references."""
    numbers, references = reads_of(batch)
    return frozenset([*("account:" + n for n in numbers), *("reference:" + r for r in references)])


class WriteBehind:
    """Writes run in a thread of their own, one after another in the order submitted, at
    most `depth` of them submitted and not yet done. Once one fails, those after it are
    not run (a later batch committed over a lost one would move the file's position past
    it); the failure is raised where the caller next waits."""

    def __init__(self, depth: int = 2) -> None:
        self.depth = depth
        self.pool: ThreadPoolExecutor | None = None
        self.pending: deque[tuple[Future[None], frozenset[str]]] = deque()
        self.submitted = 0  # writes submitted so far
        self.done = 0  # of those, written and committed (counted in the writer's thread)
        self.failed = False  # set in the writer's thread

    def overlaps(self, touches: frozenset[str]) -> bool:
        """Whether a write not yet done touches any of `touches`."""
        return any(not written.isdisjoint(touches) for _, written in self.pending)

    def submit(
        self, touches: frozenset[str], write: Callable[[], None], what: str = "a batch"
    ) -> None:
        """Queue `write` behind those submitted before (waiting while `depth` are; the
        error of one that failed is raised here, with a note of `what` it was writing)."""
        while len(self.pending) >= self.depth:
            self._oldest()
        if self.pool is None:
            self.pool = ThreadPoolExecutor(1, thread_name_prefix="ebt-write-behind")
            switching.quicken()
        self.pending.append((self.pool.submit(self._guarded, write, what), touches))
        self.submitted += 1

    def wait(self) -> None:
        """Until every write submitted is done; the first error, if one failed."""
        while self.pending:
            self._oldest()

    def close(self) -> None:
        """Wait for the last write, and end the writer's thread."""
        try:
            self.wait()
        finally:
            self.pending.clear()
            if self.pool is not None:
                self.pool.shutdown()
                self.pool = None
                switching.restore()
            self.failed = False

    def _oldest(self) -> None:
        future, _ = self.pending.popleft()
        future.result()

    def _guarded(self, write: Callable[[], None], what: str) -> None:
        if self.failed:
            return  # one before it failed: its error stops the run
        try:
            write()
        except BaseException as error:
            self.failed = True
            error.add_note(f"(raised while writing {what}, behind the reading)")
            raise
        self.done += 1


class Enqueue:
    """The intake's sink that puts each batch on the delivery queue, by account partition."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        partitions: int,
        queued: Callable[[int], None] | None = None,
    ):
        self.sessions = sessions
        self.partitions = partitions
        self.queued = queued  # told how many sets each batch put on the queue

    def end(self, file_id: int, record: Callable[[Session], None]) -> None:
        del file_id
        with self.sessions() as session:
            record(session)

    def settle(self) -> None:
        """Every batch taken and every end is committed already."""

    def take(self, file_id: int, batch: list[InboundSet], interchanges: dict[str, int]) -> None:
        del interchanges  # the decide phase reads them again
        rows = [
            {
                "file_id": file_id,
                "position": item.position,
                "partition": partition_of(item.account, item.position, self.partitions),
                "account_number": item.account,
                "payload": encode(item),
                "state": QueueState.PENDING.value,
            }
            for item in batch
        ]
        with self.sessions() as session:
            insert_many(session.connection(), table_of(DeliveryQueue), rows)
            taken(session, file_id, batch[-1].position)
            session.commit()
        if self.queued is not None:
            self.queued(len(rows))
