"""The operations view: files by state, transactions by outcome and reject code, what waits
on the delivery queue, sent files whose 997 is overdue, open work items."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from ebt.store.schema import (
    Decision,
    DeliveryQueue,
    InboundFile,
    OutboundFile,
    Outbox,
    QueueState,
    Transaction,
    WorkItem,
)

SHOWN = 20


def status(
    sessions: sessionmaker[Session], now: datetime, ack_due_hours: int = 24
) -> dict[str, Any]:
    due = now - timedelta(hours=ack_due_hours)
    with sessions() as session:
        files = _counts(session, InboundFile.status)
        transactions = _counts(session, Transaction.status)
        # the requests' own decisions (a drop's date and fee tables are decisions of its process)
        outcomes = _counts(session, Decision.outcome, Decision.reference.isnot(None))
        codes = {
            str(code): count
            for code, count in session.execute(
                select(Decision.code, func.count())
                .where(Decision.code.isnot(None))
                .group_by(Decision.code)
                .order_by(Decision.code)
            ).all()
        }
        queued = session.scalar(
            select(func.count()).where(DeliveryQueue.state == QueueState.PENDING.value)
        )
        unsent = session.scalar(select(func.count()).where(Outbox.sent_at.is_(None)))
        overdue = session.scalars(
            select(OutboundFile)
            .where(OutboundFile.ack_expected.is_(True))
            .where(OutboundFile.ack_status.is_(None))
            .where(OutboundFile.sent_at <= due)
            .order_by(OutboundFile.sent_at)
        ).all()
        items = session.scalars(
            select(WorkItem).where(WorkItem.status == "open").order_by(WorkItem.id)
        ).all()
    return {
        "as_of": now.isoformat(timespec="seconds"),
        "files": files,
        "transactions": transactions,
        "outcomes": outcomes,
        "reject_codes": codes,
        "queued_to_decide": queued or 0,
        "outbox_unsent": unsent or 0,
        "overdue_acks": [
            {
                "file": f.name,
                "recipient": f.recipient,
                "control": f"{f.control:09d}",
                "sent_at": f.sent_at.isoformat(timespec="minutes"),
            }
            for f in overdue
        ],
        "open_work_items": [
            {"id": i.id, "kind": i.kind, "description": i.description} for i in items
        ],
    }


def _counts(session: Session, column: Any, *where: Any) -> dict[str, int]:
    query = select(column, func.count()).where(*where).group_by(column).order_by(column)
    return {str(key): count for key, count in session.execute(query).all()}


def rows(view: dict[str, Any]) -> list[tuple[str, str]]:
    """The view as (what, how many) rows; a row with no `what` details the one above it (an
    overdue 997, an open work item)."""

    def counted(counts: dict[str, int]) -> str:
        return ", ".join(f"{k} {v}" for k, v in counts.items()) or "none"

    shown = [
        ("files", counted(view["files"])),
        ("transactions", counted(view["transactions"])),
        ("outcomes", counted(view["outcomes"])),
        ("reject codes", counted(view["reject_codes"])),
        (
            "queued",
            f"{view['queued_to_decide']} set(s) to decide; "
            f"{view['outbox_unsent']} message(s) not yet sent",
        ),
        ("overdue acks", str(len(view["overdue_acks"]))),
    ]
    shown += [
        ("", f"{a['file']} to {a['recipient']} (ISA13 {a['control']}) sent {a['sent_at']}")
        for a in view["overdue_acks"][:SHOWN]
    ]
    shown.append(("work items", f"{len(view['open_work_items'])} open"))
    shown += [
        ("", f"#{i['id']} {i['kind']}: {i['description']}") for i in view["open_work_items"][:SHOWN]
    ]
    return shown


def render(view: dict[str, Any]) -> str:
    lines = [f"status as of {view['as_of']}"]
    lines += [f"{what:<14}{shown}" if what else f"  {shown}" for what, shown in rows(view)]
    return "\n".join(lines)
