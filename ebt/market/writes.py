"""The rows one batch of decisions adds, written with a few bulk INSERTs.

The ORM's unit of work costs about a tenth of a millisecond per new object; a batch adds
five or six rows per transaction, so new rows are collected here and inserted with
executemany (ids returned in order, then handed on to the rows that refer to them). Rows the
batch changes (an open supplier period given its end, a pending process cancelled) are
loaded ORM objects, and the session writes those.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from ebt.store.schema import Base, Decision, FindingRow, Outbox, Process, SupplierPeriod
from ebt.store.schema import Transaction as TransactionRow


@dataclass(slots=True)
class BatchWrites:
    processes: list[Process] = field(default_factory=list)
    periods: list[SupplierPeriod] = field(default_factory=list)
    transactions: list[dict[str, Any]] = field(default_factory=list)
    findings: list[dict[str, Any]] = field(default_factory=list)
    decisions: list[dict[str, Any]] = field(default_factory=list)
    outbox: list[dict[str, Any]] = field(default_factory=list)

    def insert(self, session: Session) -> None:
        _insert_objects(session, Process, _unique(self.processes))
        for period in self.periods:
            period.process_id = period.process.id if period.process is not None else None
        _insert_objects(session, SupplierPeriod, self.periods)
        _insert_dicts(session, TransactionRow, self.transactions)
        for rows, model in (
            (self.findings, FindingRow),
            (self.decisions, Decision),
            (self.outbox, Outbox),
        ):
            for row in rows:
                _resolve(row)
            if rows:
                session.connection().execute(insert(_table(model)), rows)


def _unique(objects: list[Process]) -> list[Process]:
    """New objects only once each, and not those the session already holds."""
    seen: set[int] = set()
    out: list[Process] = []
    for item in objects:
        if id(item) not in seen and item.id is None:
            seen.add(id(item))
            out.append(item)
    return out


def _columns(model: type[Base]) -> list[str]:
    return [c.key for c in model.__table__.columns if c.key != "id"]


def _insert_objects(session: Session, model: type[Base], objects: list[Any]) -> None:
    if not objects:
        return
    names = _columns(model)
    rows = [{name: getattr(item, name) for name in names} for item in objects]
    table = _table(model)
    ids = (
        session.connection()
        .execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), rows)
        .scalars()
        .all()
    )
    for item, new_id in zip(objects, ids, strict=True):
        item.id = new_id


def _insert_dicts(session: Session, model: type[Base], rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    table = _table(model)
    ids = (
        session.connection()
        .execute(
            insert(table).returning(table.c.id, sort_by_parameter_order=True),
            [dict(row) for row in rows],
        )
        .scalars()
        .all()
    )
    for row, new_id in zip(rows, ids, strict=True):
        row["id"] = new_id


def _resolve(row: dict[str, Any]) -> None:
    """Turn the references a row holds (a transaction row, a process) into ids."""
    transaction = row.pop("transaction", None)
    row["transaction_id"] = transaction["id"] if transaction is not None else None
    if "process" in row:
        process = row.pop("process")
        row["process_id"] = process.id if process is not None else None


def _table(model: type[Base]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table
