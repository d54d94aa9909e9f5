"""`ebt replay`: stored decisions, of one file or of a range of days, evaluated again under
the rules in force then, in force now, or a draft, read-only.

The decisions are read a thousand at a time with the facts they recorded and the outcomes
of their processes' policy tables; the market core replays each (`ebt.market.replay`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import Session

from ebt.calendar import MaineCalendar
from ebt.data.market import load_draft, load_rules
from ebt.data.rules import default_parameter_book
from ebt.market.replay import Replayed, Replayer, Rules, Stored
from ebt.rules.parameters import ParameterBook, Parameters
from ebt.rules.tables import RuleBook, Table
from ebt.store.schema import Decision, InboundFile, Interchange, Transaction

CHUNK = 1000


@dataclass(frozen=True, slots=True)
class Selection:
    """Which decisions: those of one inbound file, or those taken on the days given."""

    file_id: int | None = None
    first: date | None = None
    last: date | None = None
    where: ColumnElement[bool] | None = None  # and only these (the console: a user's scope)


def rules_for(choice: str, today: date) -> Rules:
    """`then`, `now`, or the path of a draft (a table file, a parameters file, or a folder)."""
    rulebook = load_rules(today)
    book = default_parameter_book()
    if choice == "then":
        return Rules(
            "then",
            lambda name, version, day: _version(rulebook, name, version, day),
            lambda version, _day: book.version(version),
        )
    if choice == "now":
        return Rules(
            "now",
            lambda name, _version, _day: rulebook.table_for(name, today),
            lambda _version, _day: book.parameters_for(today),
        )
    tables, parameters = load_draft(Path(choice), today)
    return Rules(
        choice,
        lambda name, _version, _day: tables.get(name) or rulebook.table_for(name, today),
        lambda _version, _day: parameters or book.parameters_for(today),
    )


def _version(rulebook: RuleBook, name: str, version: str, day: date) -> Table:
    return (version and rulebook.version(name, version)) or rulebook.table_for(name, day)


def replay(session: Session, selection: Selection, rules: Rules) -> Iterator[Replayed]:
    """Every selected decision replayed, in the order it was taken."""
    book: ParameterBook = default_parameter_book()

    def recorded(version: str) -> Parameters:
        return book.version(version)

    replayer = Replayer(rules, MaineCalendar(), recorded)
    last = 0
    while True:
        rows = session.execute(_query(selection).where(Decision.id > last).limit(CHUNK)).all()
        if not rows:
            return
        last = rows[-1].id
        policies = _policies(session, [r.process_id for r in rows if r.process_id])
        for row in rows:
            stored = Stored(
                row.id,
                row.reference or "",
                row.account_number,
                row.name,
                row.table_name,
                row.table_version,
                row.steps,
                row.outcome,
                row.code,
                row.decided_on,
                row.facts,
                policies.get(row.process_id or 0, {}),
            )
            yield replayer.replay(stored)


def _query(selection: Selection) -> Select[*tuple[Any, ...]]:
    """The selected decisions' columns (plain rows: a replay reads thousands)."""
    query: Select[*tuple[Any, ...]] = (
        select(
            Decision.id,
            Decision.process_id,
            Decision.reference,
            Decision.table_name,
            Decision.table_version,
            Decision.steps,
            Decision.outcome,
            Decision.code,
            Decision.decided_on,
            Decision.facts,
            Transaction.account_number,
            InboundFile.name,
        )
        .outerjoin(Transaction, Transaction.id == Decision.transaction_id)
        .outerjoin(Interchange, Interchange.id == Transaction.interchange_id)
        .outerjoin(InboundFile, InboundFile.id == Interchange.file_id)
        .where(Decision.reference.isnot(None))
        .order_by(Decision.id)
    )
    if selection.file_id is not None:
        query = query.where(Interchange.file_id == selection.file_id)
    if selection.first is not None:
        query = query.where(Decision.decided_on >= selection.first)
    if selection.last is not None:
        query = query.where(Decision.decided_on <= selection.last)
    if selection.where is not None:
        query = query.where(selection.where)
    return query


def _policies(session: Session, processes: list[int]) -> dict[int, dict[str, str]]:
    """The policy tables' outcomes of these processes (no reference of their own)."""
    out: dict[int, dict[str, str]] = {}
    if not processes:
        return out
    rows = session.execute(
        select(Decision.process_id, Decision.table_name, Decision.outcome)
        .where(Decision.process_id.in_(processes))
        .where(Decision.reference.is_(None))
    )
    for process_id, table, outcome in rows:
        out.setdefault(process_id or 0, {})[table] = outcome
    return out
