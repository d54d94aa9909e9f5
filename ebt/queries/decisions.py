"""The explain view: how a request was decided — the transaction, the rule table and version,
each step with its question and answer (the path taken through the table), the outcome and
its code with the code's meaning."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ebt.queries.codes import meaning
from ebt.queries.rules import rulebook
from ebt.queries.scope import Scope
from ebt.rules.tables import Table, read_steps
from ebt.store.schema import Account, Decision, InboundFile, Interchange, Process, Transaction


@dataclass(frozen=True, slots=True)
class StepTaken:
    step: str
    question: str
    predicate: str | None
    answer: bool


@dataclass(frozen=True, slots=True)
class Explanation:
    id: int
    reference: str | None
    kind: str | None
    sender: str  # the CES's id, or "T&D" for a decision on the T&D's own process
    account: str | None
    received_at: datetime
    transaction_id: int | None
    file_id: int | None
    process_id: int | None
    table_name: str
    table_version: str
    table: Table | None  # None when this version is no longer in rules/
    steps: tuple[StepTaken, ...]
    outcome: str
    code: str | None
    code_meaning: str | None
    decided_on: date


def explanations(
    session: Session, scope: Scope, *, reference: str | None = None, decision_id: int | None = None
) -> tuple[Explanation, ...]:
    """The decisions with BGN02 `reference` (or the one with `decision_id`) the user may see."""
    query = (
        select(Decision, Transaction, Process, Account, Interchange.file_id)
        .outerjoin(Transaction, Transaction.id == Decision.transaction_id)
        .outerjoin(Interchange, Interchange.id == Transaction.interchange_id)
        .outerjoin(InboundFile, InboundFile.id == Interchange.file_id)
        .outerjoin(Process, Process.id == Decision.process_id)
        .outerjoin(Account, Account.id == Process.account_id)
        .where(scope.decisions())
        .order_by(Decision.id)
    )
    if decision_id is not None:
        query = query.where(Decision.id == decision_id)
    elif reference is not None:
        query = query.where(Decision.reference == reference)
    else:
        return ()
    out = []
    for d, t, p, a, file_id in session.execute(query.limit(100)):
        table = rulebook(d.decided_on).version(d.table_name, d.table_version)
        steps = tuple(
            StepTaken(s["step"], s["question"], s.get("predicate"), bool(s["answer"]))
            for s in read_steps(d.steps, table)
        )
        out.append(
            Explanation(
                id=d.id,
                reference=d.reference,
                kind=t.kind if t else p.kind if p else None,
                sender=(t.sender or "?") if t else "T&D",
                account=t.account_number if t else a.number if a else None,
                received_at=t.received_at if t else p.created_at if p else datetime.min,
                transaction_id=t.id if t else None,
                file_id=file_id,
                process_id=p.id if p else None,
                table_name=d.table_name,
                table_version=d.table_version,
                table=table,
                steps=steps,
                outcome=d.outcome,
                code=d.code,
                code_meaning=meaning("rejection", d.code),
                decided_on=d.decided_on,
            )
        )
    return tuple(out)
