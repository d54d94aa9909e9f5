"""The Today view: files in and out by state, today and per business day over the last 30;
transactions and rejects (by code, with meanings) per day; overdue 997s; open work items;
what is waiting; the last sweeps and how long they took.

Every count reads an index range (the console's migration adds them): files by received or
sent time, transactions by received time and status, decisions that rejected by decision
day and code. Nothing here counts a whole table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ebt.calendar import MaineCalendar
from ebt.queries.codes import meaning
from ebt.queries.scope import Scope
from ebt.queries.sweeps import SweepRunRow, last_sweeps
from ebt.queries.workitems import WorkItemRow, open_work_items
from ebt.store.schema import (
    Decision,
    DeliveryQueue,
    InboundFile,
    Interchange,
    OutboundFile,
    Outbox,
    QueueState,
    Transaction,
)

BUSINESS_DAYS = 30
SHOWN = 10


@dataclass(frozen=True, slots=True)
class OverdueAck:
    file_id: int
    name: str
    recipient: str
    control: str
    sent_at: datetime


@dataclass(frozen=True, slots=True)
class Series:
    """Counts per day for each key (a state, a code), aligned with `Today.days`."""

    key: str
    label: str
    counts: tuple[int, ...]

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass(frozen=True, slots=True)
class Today:
    as_of: datetime
    days: tuple[date, ...]  # the last BUSINESS_DAYS business days, oldest first
    files_in_today: Mapping[str, int]  # by state
    files_out_today: Mapping[str, int]  # by acknowledgment state
    files_per_day: tuple[Series, ...]  # in, out
    transactions_per_day: tuple[Series, ...]  # by status
    rejects_per_day: tuple[Series, ...]  # by REF*7G code, labelled with its meaning
    overdue_acks: tuple[OverdueAck, ...]
    overdue_count: int
    work_items: tuple[WorkItemRow, ...]
    work_items_open: int
    queued_to_decide: int
    outbox_unsent: int
    sweeps: tuple[SweepRunRow, ...]


def business_days(until: date, count: int = BUSINESS_DAYS) -> tuple[date, ...]:
    """The `count` Maine business days ending with `until` (or the last one before it)."""
    calendar = MaineCalendar()
    days: list[date] = []
    day = until
    while len(days) < count:
        if calendar.is_business_day(day):
            days.append(day)
        day -= timedelta(days=1)
    return tuple(reversed(days))


def today(session: Session, scope: Scope, now: datetime, *, ack_due_hours: int = 24) -> Today:
    days = business_days(now.date())
    since = datetime.combine(days[0], time())
    start_of_today = datetime.combine(now.date(), time())
    overdue, overdue_count = _overdue(session, scope, now - timedelta(hours=ack_due_hours))
    items, open_count = open_work_items(session, scope, SHOWN)
    return Today(
        as_of=now,
        days=days,
        files_in_today=_files_in_by_state(session, scope, start_of_today),
        files_out_today=_files_out_by_state(session, scope, start_of_today, now, ack_due_hours),
        files_per_day=(
            Series("in", "received", _per_day(days, _files_in_days(session, scope, since))),
            Series("out", "sent", _per_day(days, _files_out_days(session, scope, since))),
        ),
        transactions_per_day=_transactions_per_day(session, scope, days, since),
        rejects_per_day=_rejects_per_day(session, scope, days),
        overdue_acks=overdue,
        overdue_count=overdue_count,
        work_items=items,
        work_items_open=open_count,
        queued_to_decide=_queued(session, scope),
        outbox_unsent=_unsent(session, scope),
        sweeps=last_sweeps(session, scope, SHOWN),
    )


def _day(value: Any) -> date:
    """A day as SQLite (text) or PostgreSQL (a date) gives it back from date(...)."""
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _per_day(days: tuple[date, ...], counts: Mapping[date, int]) -> tuple[int, ...]:
    return tuple(counts.get(day, 0) for day in days)


def _files_in_by_state(session: Session, scope: Scope, since: datetime) -> dict[str, int]:
    rows = session.execute(
        select(InboundFile.status, func.count())
        .where(InboundFile.received_at >= since)
        .where(scope.inbound_files())
        .group_by(InboundFile.status)
        .order_by(InboundFile.status)
    )
    return {str(state): count for state, count in rows}


def ack_state(file: OutboundFile, due: datetime) -> str:
    """An outbound file's acknowledgment state: acknowledged (A, E, P), rejected (R),
    overdue, awaiting, not expected, resent (its messages went again in another file)."""
    if file.resent_at is not None:
        return "resent"
    if file.ack_status in ("A", "E", "P"):
        return "acknowledged"
    if file.ack_status == "R":
        return "rejected"
    if not file.ack_expected:
        return "no 997 expected"
    return "overdue" if file.sent_at <= due else "awaiting 997"


def _files_out_by_state(
    session: Session, scope: Scope, since: datetime, now: datetime, ack_due_hours: int
) -> dict[str, int]:
    due = now - timedelta(hours=ack_due_hours)
    states: dict[str, int] = {}
    files = session.scalars(
        select(OutboundFile).where(OutboundFile.sent_at >= since).where(scope.outbound_files())
    )
    for file in files:
        state = ack_state(file, due)
        states[state] = states.get(state, 0) + 1
    return dict(sorted(states.items()))


def _files_in_days(session: Session, scope: Scope, since: datetime) -> dict[date, int]:
    day = func.date(InboundFile.received_at)
    rows = session.execute(
        select(day, func.count())
        .where(InboundFile.received_at >= since)
        .where(scope.inbound_files())
        .group_by(day)
    )
    return {_day(d): n for d, n in rows}


def _files_out_days(session: Session, scope: Scope, since: datetime) -> dict[date, int]:
    day = func.date(OutboundFile.sent_at)
    rows = session.execute(
        select(day, func.count())
        .where(OutboundFile.sent_at >= since)
        .where(scope.outbound_files())
        .group_by(day)
    )
    return {_day(d): n for d, n in rows}


def _transactions_per_day(
    session: Session, scope: Scope, days: tuple[date, ...], since: datetime
) -> tuple[Series, ...]:
    day = func.date(Transaction.received_at)
    query = (
        select(day, Transaction.status, func.count())
        .where(Transaction.received_at >= since)
        .group_by(day, Transaction.status)
    )
    if scope.is_supplier:  # from its files of the period, not through every transaction
        query = (
            query.select_from(InboundFile)
            .join(Interchange, Interchange.file_id == InboundFile.id)
            .join(Transaction, Transaction.interchange_id == Interchange.id)
            .where(InboundFile.received_at >= since)
            .where(scope.interchanges())
        )
    by_status: dict[str, dict[date, int]] = {}
    for d, status, count in session.execute(query):
        by_status.setdefault(str(status), {})[_day(d)] = count
    return tuple(
        Series(status, status, _per_day(days, counts))
        for status, counts in sorted(by_status.items())
    )


def _rejects_per_day(session: Session, scope: Scope, days: tuple[date, ...]) -> tuple[Series, ...]:
    query = (
        select(Decision.decided_on, Decision.code, func.count())
        .where(Decision.code.is_not(None))
        .where(Decision.decided_on >= days[0])
        .group_by(Decision.decided_on, Decision.code)
    )
    if scope.is_supplier:  # its own requests' rejects: through the files of its channel
        query = (
            query.join(Transaction, Transaction.id == Decision.transaction_id)
            .join(Interchange, Interchange.id == Transaction.interchange_id)
            .join(InboundFile, InboundFile.id == Interchange.file_id)
            .where(scope.interchanges())
        )
    by_code: dict[str, dict[date, int]] = {}
    for d, code, count in session.execute(query):
        by_code.setdefault(str(code), {})[_day(d)] = count
    return tuple(
        Series(code, f"{code} {meaning('rejection', code) or 'unknown code'}", _per_day(days, c))
        for code, c in sorted(by_code.items())
    )


def _overdue(session: Session, scope: Scope, due: datetime) -> tuple[tuple[OverdueAck, ...], int]:
    where = (
        select(OutboundFile)
        .where(OutboundFile.ack_expected.is_(True))
        .where(OutboundFile.ack_status.is_(None))
        .where(OutboundFile.resent_at.is_(None))
        .where(OutboundFile.sent_at <= due)
        .where(scope.outbound_files())
    )
    count = session.scalar(select(func.count()).select_from(where.subquery())) or 0
    files = session.scalars(where.order_by(OutboundFile.sent_at).limit(SHOWN))
    return (
        tuple(OverdueAck(f.id, f.name, f.recipient, f"{f.control:09d}", f.sent_at) for f in files),
        count,
    )


def _queued(session: Session, scope: Scope) -> int:
    query = (
        select(func.count())
        .select_from(DeliveryQueue)
        .where(DeliveryQueue.state == QueueState.PENDING.value)
    )
    if scope.is_supplier:
        query = query.join(InboundFile, InboundFile.id == DeliveryQueue.file_id).where(
            InboundFile.partner.in_(sorted(scope.ids))
        )
    return session.scalar(query) or 0


def _unsent(session: Session, scope: Scope) -> int:
    query = select(func.count()).select_from(Outbox).where(Outbox.sent_at.is_(None))
    if scope.is_supplier:
        query = query.where(Outbox.recipient.in_(sorted(scope.ids)))
    return session.scalar(query) or 0
