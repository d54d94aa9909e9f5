"""Work items: the exceptions for a person, listed and filtered, and resolved with a note.

The note and who resolved it are kept as a console action (`console_actions`, target
`work_item:<id>`), so the work item's own row keeps the shape every other command knows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ebt.queries.paging import PER_PAGE, Page, fetch
from ebt.queries.scope import Scope
from ebt.store.schema import Account, ConsoleAction, WorkItem


@dataclass(frozen=True, slots=True)
class WorkItemRow:
    id: int
    kind: str
    status: str
    account: str | None
    process: int | None
    description: str
    created_at: datetime
    resolved_at: datetime | None


@dataclass(frozen=True, slots=True)
class Resolution:
    """Who resolved a work item through the console, when, and the note they left."""

    user: str
    at: datetime
    note: str | None


def _rows(query_rows: list[tuple[WorkItem, str | None]]) -> tuple[WorkItemRow, ...]:
    return tuple(
        WorkItemRow(
            i.id,
            i.kind,
            i.status,
            number,
            i.process_id,
            i.description,
            i.created_at,
            i.resolved_at,
        )
        for i, number in query_rows
    )


def work_items(
    session: Session,
    scope: Scope,
    *,
    status: str | None = "open",
    kind: str | None = None,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> Page[WorkItemRow]:
    """Work items (open ones by default; `status=None` for all), oldest first."""
    query = (
        select(WorkItem, Account.number)
        .outerjoin(Account, Account.id == WorkItem.account_id)
        .where(scope.work_items())
    )
    if status:
        query = query.where(WorkItem.status == status)
    if kind:
        query = query.where(WorkItem.kind == kind)
    rows, more = fetch(session, query.order_by(WorkItem.id), page, per_page)
    return Page(_rows([(r[0], r[1]) for r in rows]), max(page, 1), per_page, more)


def work_item_kinds(session: Session, scope: Scope) -> tuple[str, ...]:
    rows = session.scalars(
        select(WorkItem.kind).where(scope.work_items()).distinct().order_by(WorkItem.kind)
    )
    return tuple(rows)


def open_work_items(
    session: Session, scope: Scope, count: int
) -> tuple[tuple[WorkItemRow, ...], int]:
    """The oldest `count` open work items and how many are open."""
    total = session.scalar(
        select(func.count())
        .select_from(WorkItem)
        .where(WorkItem.status == "open")
        .where(scope.work_items())
    )
    return work_items(session, scope, per_page=count).rows, total or 0


def work_item(session: Session, scope: Scope, item_id: int) -> WorkItemRow | None:
    row = session.execute(
        select(WorkItem, Account.number)
        .outerjoin(Account, Account.id == WorkItem.account_id)
        .where(WorkItem.id == item_id)
        .where(scope.work_items())
    ).first()
    return _rows([(row[0], row[1])])[0] if row else None


def resolutions(session: Session, item_id: int) -> tuple[Resolution, ...]:
    rows = session.scalars(
        select(ConsoleAction)
        .where(ConsoleAction.target == f"work_item:{item_id}")
        .where(ConsoleAction.action == "resolve")
        .where(ConsoleAction.outcome == "done")
        .order_by(ConsoleAction.id)
    )
    return tuple(Resolution(r.user, r.at, r.note) for r in rows)


class WorkItemError(Exception):
    """The work item cannot be resolved: it does not exist (for this user) or is closed."""


def resolve(session: Session, scope: Scope, item_id: int, now: datetime) -> WorkItem:
    """Close open work item `item_id` (the caller commits, with its record of who did it)."""
    item = session.scalar(select(WorkItem).where(WorkItem.id == item_id).where(scope.work_items()))
    if item is None:
        raise WorkItemError(f"no work item #{item_id}")
    if item.status != "open":
        raise WorkItemError(f"work item #{item_id} is already {item.status}")
    item.status = "resolved"
    item.resolved_at = now
    return item
