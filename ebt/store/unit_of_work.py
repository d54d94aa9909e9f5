"""Write what a batch of decisions changed (`ebt.market.writes.BatchWrites`) with a few bulk
statements, in the caller's database transaction.

New processes and supplier periods are inserted with executemany (ids returned in order,
then handed on to the rows that refer to them); the transactions, findings, decisions and
outbox messages the batch adds are inserted the same way; periods and processes read at the
start of the batch and changed by it are written back with one UPDATE by id per table.

The T&D's own processes run in a `service_unit`: one database transaction around the core's
`ServiceUnit`, the store's `SqlServiceStore` writing what it added and changed at the end.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime

from sqlalchemy.orm import Session, sessionmaker

from ebt.market.premises import ServiceUnit
from ebt.market.writes import BatchWrites
from ebt.store.bulk import (
    insert_many,
    insert_objects,
    insert_rows,
    resolve_references,
    table_of,
    unique_objects,
    update_changed,
)
from ebt.store.schema import Decision, FindingRow, Outbox, Process, SupplierPeriod
from ebt.store.schema import Transaction as TransactionRow
from ebt.store.service_store import SqlServiceStore


def write_batch(session: Session, writes: BatchWrites) -> None:
    """Write the batch: new rows of every table, then the changed ones."""
    processes, periods = writes.processes, writes.periods
    insert_objects(session, Process, unique_objects(p for p in processes if p.id is None))
    for period in periods:
        if period.process is not None:
            period.process_id = period.process.id
    insert_objects(session, SupplierPeriod, [p for p in periods if p.id is None])
    update_changed(session, Process, unique_objects(processes))
    update_changed(session, SupplierPeriod, periods)
    ids = insert_rows(session, TransactionRow, writes.transactions)
    for row, new_id in zip(writes.transactions, ids, strict=True):
        row["id"] = new_id
    for rows, model in (
        (writes.findings, FindingRow),
        (writes.decisions, Decision),
        (writes.outbox, Outbox),
    ):
        for row in rows:
            resolve_references(row)
        insert_many(session.connection(), table_of(model), rows)


@contextmanager
def service_unit(
    sessions: sessionmaker[Session], *, today: date, now: datetime
) -> Iterator[ServiceUnit]:
    """One of the T&D's own processes in one database transaction: the unit of work it
    decides in (reading through `SqlServiceStore`), written and committed when the block
    ends; an error leaves nothing written."""
    with sessions() as session:
        store = SqlServiceStore(session)
        unit = ServiceUnit(store, today=today, now=now)
        yield unit
        store.write(unit.writes)
        session.commit()
