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

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from ebt.market.premises import ServiceUnit
from ebt.market.rows import ProcessRow
from ebt.market.writes import BatchWrites
from ebt.store.bulk import insert_many, insert_objects, insert_rows, table_of, update_changed
from ebt.store.schema import Decision, FindingRow, Outbox, Process, SupplierPeriod
from ebt.store.schema import Transaction as TransactionRow
from ebt.store.service_store import SqlServiceStore


def write_batch(session: Session, writes: BatchWrites) -> None:
    """Write the batch: new rows of every table, then the changed ones."""
    processes, periods = writes.processes, writes.periods
    insert_objects(session, Process, _unique(p for p in processes if p.id is None))
    for period in periods:
        if period.process is not None:
            period.process_id = period.process.id
    insert_objects(session, SupplierPeriod, [p for p in periods if p.id is None])
    update_changed(session, Process, _unique(processes))
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
            _resolve(row)
        insert_many(session.connection(), table_of(model), rows)


def _unique(objects: Iterable[ProcessRow]) -> list[ProcessRow]:
    seen: set[int] = set()
    out: list[ProcessRow] = []
    for item in objects:
        if id(item) not in seen:
            seen.add(id(item))
            out.append(item)
    return out


def _resolve(row: dict[str, Any]) -> None:
    """Turn the references a row holds (a transaction row, a process) into ids."""
    transaction = row.pop("transaction", None)
    row["transaction_id"] = transaction["id"] if transaction is not None else None
    if "process" in row:
        process = row.pop("process")
        row["process_id"] = process.id if process is not None else None


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
