"""The decide phase of sweeps sharing a PostgreSQL store: workers claim partitions of
accounts and decide each partition's queued sets in delivery order, so two requests for one
account are decided in the order they arrived even when different workers read them.

Only sets of files read to the end are decided, and only those delivered before the oldest
file still being read (the watermark): a later file can never overtake an earlier one.
One batch is one database transaction: the decisions, state, outbox rows and the queue rows
marked decided commit together, under the partition's lock. A queued set is decided as the
intake read it (`ebt.sweep.queue`): it is not read or checked again.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import NamedTuple

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from ebt.market.reference import Market
from ebt.pipeline.decide import DecideSummary, Deciding
from ebt.store.schema import DeliveryQueue, InboundFile, Interchange, QueueState
from ebt.sweep.faults import crash_point
from ebt.sweep.locks import PARTITION_LOCKS, hold_in_transaction
from ebt.sweep.queue import decode, partition_count

BATCH = 1000


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
        self.deciding = Deciding(market, summary)
        self.progress = progress
        with sessions() as session:
            self.partitions = partition_count(session.get_bind().dialect.name)
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
        """Decide the next run of one partition's queued sets (of one file)."""
        with self.sessions() as session:
            if not hold_in_transaction(session, PARTITION_LOCKS, partition, wait=False):
                return 0
            query = (
                select(DeliveryQueue.id, DeliveryQueue.file_id, DeliveryQueue.payload)
                .where(DeliveryQueue.partition == partition)
                .where(DeliveryQueue.state == QueueState.PENDING.value)
                .order_by(DeliveryQueue.file_id, DeliveryQueue.position)
                .limit(BATCH)
            )
            mark = watermark(session)
            if mark is not None:
                query = query.where(DeliveryQueue.file_id < mark)
            rows = [Queued(*row) for row in session.execute(query)]
            if not rows:
                return 0
            file_id = rows[0].file_id
            rows = [r for r in rows if r.file_id == file_id]
            items = [decode(r.payload) for r in rows]
            self.deciding.decide(session, file_id, items, self._interchanges(session, file_id))
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

    def _interchanges(self, session: Session, file_id: int) -> dict[str, int]:
        if file_id not in self.interchanges:
            rows = session.execute(
                select(Interchange.control, Interchange.id).where(Interchange.file_id == file_id)
            )
            self.interchanges[file_id] = {str(c): int(i) for c, i in rows.all()}
        return self.interchanges[file_id]


class Queued(NamedTuple):
    """A queued set as the decide phase reads it (without the ORM: a batch is hundreds)."""

    id: int
    file_id: int
    payload: bytes
