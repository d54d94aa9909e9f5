"""The decide phase: workers claim partitions of accounts and decide each partition's queued
sets in delivery order, so two requests for one account are decided in the order they
arrived even when different workers read them.

Only sets of files read to the end are decided, and only those delivered before the oldest
file still being read (the watermark): a later file can never overtake an earlier one.
One batch is one database transaction: the decisions, state, outbox rows and the queue rows
marked decided commit together, under the partition's lock.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from ebt.market.decider import Decider, Market, Reference
from ebt.store.schema import DeliveryQueue, InboundFile, Interchange, QueueState
from ebt.sweep.faults import crash_point
from ebt.sweep.locks import PARTITION_LOCKS, hold_in_transaction
from ebt.sweep.queue import partition_count, read_back

BATCH = 1000


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


def watermark(session: Session) -> int | None:
    """The oldest file still being read: sets of files from it on wait."""
    return session.scalar(select(func.min(InboundFile.id)).where(InboundFile.status == "claimed"))


class DecidePhase:
    """Decides queued sets partition by partition; `run()` until nothing decidable is left."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        market: Market,
        summary: DecideSummary,
        progress: Callable[[int], None] | None = None,
    ):
        self.sessions = sessions
        self.market = market
        self.summary = summary
        self.progress = progress
        self.reference: Reference | None = None
        with sessions() as session:
            self.partitions = partition_count(session.get_bind().dialect.name)
        self.files: dict[int, tuple[str, str]] = {}  # id -> (name, the partner it came from)
        self.interchanges: dict[int, dict[str, int]] = {}

    def run(self) -> int:
        """Decide every batch this worker can take now; the number of sets decided."""
        total = 0
        while True:
            done = 0
            for partition in random.sample(range(self.partitions), self.partitions):
                done += self.batch(partition)
            total += done
            if done == 0:
                return total

    def batch(self, partition: int) -> int:
        """Decide the next run of one partition's queued sets (one file, one group)."""
        with self.sessions() as session:
            if not hold_in_transaction(session, PARTITION_LOCKS, partition, wait=False):
                return 0
            query = (
                select(
                    DeliveryQueue.id,
                    DeliveryQueue.file_id,
                    DeliveryQueue.head,
                    DeliveryQueue.separators,
                    DeliveryQueue.raw,
                )
                .where(DeliveryQueue.partition == partition)
                .where(DeliveryQueue.state == QueueState.PENDING.value)
                .order_by(DeliveryQueue.file_id, DeliveryQueue.position)
                .limit(BATCH)
            )
            mark = watermark(session)
            if mark is not None:
                query = query.where(DeliveryQueue.file_id < mark)
            rows: list[Queued] = [Queued(*row) for row in session.execute(query)]
            if not rows:
                return 0
            first = rows[0]
            rows = _run_of(rows, first)
            name, sender = self._file(session, first.file_id)
            results = list(
                read_back(
                    name,
                    first.head,
                    first.separators,
                    [r.raw for r in rows],
                )
            )
            if self.reference is None:
                self.reference = Reference(session)
            decider = Decider(
                session,
                self.market,
                first.file_id,
                self._interchanges(session, first.file_id),
                self.reference,
            )
            decider.load(results)
            for result in results:
                outcome = decider.take(result, sender)
                self.summary.count(outcome, decider.last_code)
            decider.flush()
            session.execute(
                update(DeliveryQueue)
                .where(DeliveryQueue.id.in_([r.id for r in rows]))
                .values(state=QueueState.DECIDED.value)
            )
            crash_point("decide")
            session.commit()
        crash_point("commit")
        if self.progress is not None:
            self.progress(len(rows))
        return len(rows)

    def _file(self, session: Session, file_id: int) -> tuple[str, str]:
        """The file's name and the partner whose inbound folder it came from (its channel:
        whom every answer goes to)."""
        if file_id not in self.files:
            row = session.execute(
                select(InboundFile.name, InboundFile.partner).where(InboundFile.id == file_id)
            ).one()
            self.files[file_id] = (row.name, row.partner or "")
        return self.files[file_id]

    def _interchanges(self, session: Session, file_id: int) -> dict[str, int]:
        if file_id not in self.interchanges:
            rows = session.execute(
                select(Interchange.control, Interchange.id).where(Interchange.file_id == file_id)
            )
            self.interchanges[file_id] = {str(c): int(i) for c, i in rows.all()}
        return self.interchanges[file_id]


class Queued(NamedTuple):
    """What deciding needs of a queued set (read without the ORM: a batch is hundreds)."""

    id: int
    file_id: int
    head: str
    separators: str
    raw: str


def _run_of(rows: list[Queued], first: Queued) -> list[Queued]:
    """The leading rows from the same file and envelope as `first`."""
    out: list[Queued] = []
    for row in rows:
        if row.file_id != first.file_id or row.head != first.head:
            break
        out.append(row)
    return out
