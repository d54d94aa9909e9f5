"""Deciding a batch of inbound sets and committing it: the market core's decider over the
store's reader, its writes in the same database transaction as the batch's bookkeeping.

`DecideNow` is the intake's sink when one process reads and decides (`ebt process`, a sweep
on SQLite): each batch is decided as it is read, committed with the file's position.
`Enqueue` is the sink when several sweeps share a PostgreSQL store: the batch goes on the
delivery queue, and the decide phase (`ebt.sweep.decide`) decides it in account order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from ebt.market.decider import Decider
from ebt.market.inbound import InboundSet
from ebt.market.reference import Market, Reference
from ebt.market.requests import REQUESTS
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
        write_batch(session, decider.flush())


class DecideNow:
    """The intake's sink that decides each batch as it is read."""

    def __init__(self, sessions: sessionmaker[Session], market: Market, summary: DecideSummary):
        self.sessions = sessions
        self.deciding = Deciding(market, summary)

    def take(self, file_id: int, batch: list[InboundSet], interchanges: dict[str, int]) -> None:
        with self.sessions() as session:
            self.deciding.decide(session, file_id, batch, interchanges)
            taken(session, file_id, batch[-1].position)
            crash_point("decide")
            session.commit()
        crash_point("commit")


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
