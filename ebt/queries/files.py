"""The file ledger as the store keeps it today: inbound files (their interchanges, groups,
transactions with decisions, findings, the 997/TA1 sent for them, the answers and the files
they left in) and outbound files (what they held, the 997 received for them).

Lists are filtered by partner, state and date and read newest first from the indexes the
console's migration adds; a file's transactions and findings come a page at a time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from ebt.queries.paging import PER_PAGE, Page, fetch
from ebt.queries.scope import Scope
from ebt.queries.today import ack_state
from ebt.store.schema import (
    Decision,
    FindingRow,
    InboundFile,
    Interchange,
    OutboundFile,
    Outbox,
    TradingPartner,
    Transaction,
)

INBOUND_STATES = ("received", "claimed", "ingested", "processed", "archived", "error")
OUTBOUND_STATES = (
    "awaiting 997",
    "acknowledged",
    "rejected",
    "overdue",
    "resent",
    "no 997 expected",
)


@dataclass(frozen=True, slots=True)
class FileFilter:
    direction: str = "in"  # in, out
    partner: str | None = None  # DUNS
    state: str | None = None
    since: date | None = None
    until: date | None = None  # inclusive


@dataclass(frozen=True, slots=True)
class FileRow:
    direction: str
    id: int
    name: str
    partner: str | None
    state: str
    at: datetime
    size: int | None
    errors: int
    control: str | None  # ISA13 of an outbound file


def list_files(
    session: Session,
    scope: Scope,
    where: FileFilter,
    *,
    now: datetime,
    ack_due_hours: int = 24,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> Page[FileRow]:
    if where.direction == "out":
        return _outbound(
            session, scope, where, now - timedelta(hours=ack_due_hours), page, per_page
        )
    return _inbound(session, scope, where, page, per_page)


def _bounds(where: FileFilter) -> tuple[datetime | None, datetime | None]:
    since = datetime.combine(where.since, time()) if where.since else None
    until = datetime.combine(where.until + timedelta(days=1), time()) if where.until else None
    return since, until


def _inbound(
    session: Session, scope: Scope, where: FileFilter, page: int, per_page: int
) -> Page[FileRow]:
    query = select(InboundFile).where(scope.inbound_files())
    since, until = _bounds(where)
    if where.partner:
        query = query.where(InboundFile.partner == where.partner)
    if where.state:
        query = query.where(InboundFile.status == where.state)
    if since:
        query = query.where(InboundFile.received_at >= since)
    if until:
        query = query.where(InboundFile.received_at < until)
    rows, more = fetch(session, query.order_by(InboundFile.id.desc()), page, per_page)
    files = tuple(
        FileRow("in", f.id, f.name, f.partner, f.status, f.received_at, f.size, f.errors, None)
        for (f,) in rows
    )
    return Page(files, max(page, 1), per_page, more)


def _outbound_state_clause(state: str, due: datetime) -> list[object]:
    awaiting = [OutboundFile.resent_at.is_(None), OutboundFile.ack_status.is_(None)]
    clauses: dict[str, list[object]] = {
        "resent": [OutboundFile.resent_at.is_not(None)],
        "acknowledged": [
            OutboundFile.resent_at.is_(None),
            OutboundFile.ack_status.in_(("A", "E", "P")),
        ],
        "rejected": [OutboundFile.resent_at.is_(None), OutboundFile.ack_status == "R"],
        "no 997 expected": [*awaiting, OutboundFile.ack_expected.is_(False)],
        "overdue": [*awaiting, OutboundFile.ack_expected.is_(True), OutboundFile.sent_at <= due],
        "awaiting 997": [
            *awaiting,
            OutboundFile.ack_expected.is_(True),
            OutboundFile.sent_at > due,
        ],
    }
    return clauses.get(state, [OutboundFile.id.is_(None)])


def _outbound(
    session: Session, scope: Scope, where: FileFilter, due: datetime, page: int, per_page: int
) -> Page[FileRow]:
    query = select(OutboundFile).where(scope.outbound_files())
    since, until = _bounds(where)
    if where.partner:
        query = query.where(OutboundFile.recipient == where.partner)
    if where.state:
        query = query.where(*_outbound_state_clause(where.state, due))  # type: ignore[arg-type]
    if since:
        query = query.where(OutboundFile.sent_at >= since)
    if until:
        query = query.where(OutboundFile.sent_at < until)
    rows, more = fetch(session, query.order_by(OutboundFile.id.desc()), page, per_page)
    files = tuple(
        FileRow(
            "out",
            f.id,
            f.name,
            f.recipient,
            ack_state(f, due),
            f.sent_at,
            None,
            0,
            f"{f.control:09d}",
        )
        for (f,) in rows
    )
    return Page(files, max(page, 1), per_page, more)


# -- one inbound file -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GroupRow:
    control: str  # GS06
    sets: int


@dataclass(frozen=True, slots=True)
class InterchangeRow:
    id: int
    control: str  # ISA13
    sender: str
    receiver: str
    production: bool
    refused: str | None
    groups: tuple[GroupRow, ...]


@dataclass(frozen=True, slots=True)
class FindingView:
    id: int
    code: str
    severity: str
    message: str
    segment: str | None
    position: int | None  # in its transaction set, ST = 1
    element: str | None
    origin: str | None
    transaction_id: int | None
    interchange: str | None  # ISA13 of its transaction
    group: str | None  # GS06
    transaction: str | None  # ST02


@dataclass(frozen=True, slots=True)
class AnswerRow:
    """A message the engine wrote because of a transaction or file, and where it went."""

    kind: str
    set_id: str
    recipient: str
    file_name: str | None  # None: not sent yet
    sent_at: datetime | None
    summary: str


@dataclass(frozen=True, slots=True)
class TransactionRow:
    id: int
    interchange: str
    group: str
    control: str  # ST02
    set_id: str
    kind: str | None
    reference: str | None
    sender: str | None
    account: str | None
    status: str
    received_at: datetime
    outcome: str | None
    code: str | None
    decision_id: int | None
    answers: tuple[AnswerRow, ...]


@dataclass(frozen=True, slots=True)
class InboundFileView:
    id: int
    name: str
    partner: str | None
    partner_name: str | None
    status: str
    received_at: datetime
    size: int
    sha256: str
    errors: int
    original: str | None  # where the bytes as received are kept (archive/ or error/)
    interchanges: tuple[InterchangeRow, ...]
    findings: tuple[FindingView, ...]
    findings_count: int
    acknowledgments: tuple[AnswerRow, ...]  # the 997s and TA1s sent for it
    transactions: Page[TransactionRow]


def inbound_file(
    session: Session, scope: Scope, file_id: int, *, page: int = 1, per_page: int = PER_PAGE
) -> InboundFileView | None:
    """One inbound file, or None when it does not exist or is not the user's."""
    file = session.scalar(
        select(InboundFile).where(InboundFile.id == file_id).where(scope.inbound_files())
    )
    if file is None:
        return None
    partner_name = (
        session.scalar(select(TradingPartner.name).where(TradingPartner.duns == file.partner))
        if file.partner
        else None
    )
    findings, findings_count = file_findings(session, file.id)
    return InboundFileView(
        id=file.id,
        name=file.name,
        partner=file.partner,
        partner_name=partner_name,
        status=file.status,
        received_at=file.received_at,
        size=file.size,
        sha256=file.sha256,
        errors=file.errors,
        original=file.archived_to if file.status == "archived" else file.path,
        interchanges=_interchanges(session, scope, file.id),
        findings=findings,
        findings_count=findings_count,
        acknowledgments=_acknowledgments(session, file.id),
        transactions=file_transactions(session, scope, file.id, page=page, per_page=per_page),
    )


def inbound_file_id(session: Session, scope: Scope, name: str) -> int | None:
    """The newest inbound file named `name` the user may see."""
    return session.scalar(
        select(InboundFile.id)
        .where(InboundFile.name == name)
        .where(scope.inbound_files())
        .order_by(InboundFile.id.desc())
        .limit(1)
    )


def _interchanges(session: Session, scope: Scope, file_id: int) -> tuple[InterchangeRow, ...]:
    rows = session.scalars(
        select(Interchange)
        .join(InboundFile, InboundFile.id == Interchange.file_id)
        .where(Interchange.file_id == file_id)
        .where(scope.interchanges())
        .order_by(Interchange.id)
    ).all()
    groups: dict[int, list[GroupRow]] = {}
    counted = session.execute(
        select(Transaction.interchange_id, Transaction.group_control, func.count())
        .where(Transaction.interchange_id.in_([r.id for r in rows]))
        .group_by(Transaction.interchange_id, Transaction.group_control)
        .order_by(Transaction.interchange_id, Transaction.group_control)
    )
    for interchange_id, control, count in counted:
        groups.setdefault(interchange_id, []).append(GroupRow(control, count))
    return tuple(
        InterchangeRow(
            r.id,
            r.control,
            r.sender,
            r.receiver,
            r.production,
            r.refused,
            tuple(groups.get(r.id, ())),
        )
        for r in rows
    )


FINDINGS_SHOWN = 1000


def file_findings(session: Session, file_id: int) -> tuple[tuple[FindingView, ...], int]:
    """The file's findings (the first FINDINGS_SHOWN) with their control numbers, and how
    many there are."""
    count = session.scalar(
        select(func.count()).select_from(FindingRow).where(FindingRow.file_id == file_id)
    )
    rows = session.execute(
        select(FindingRow, Transaction.control, Transaction.group_control, Interchange.control)
        .outerjoin(Transaction, Transaction.id == FindingRow.transaction_id)
        .outerjoin(Interchange, Interchange.id == Transaction.interchange_id)
        .where(FindingRow.file_id == file_id)
        .order_by(FindingRow.id)
        .limit(FINDINGS_SHOWN)
    )
    return (
        tuple(
            FindingView(
                f.id,
                f.code,
                f.severity,
                f.message,
                f.segment,
                f.position,
                f.element,
                f.origin,
                f.transaction_id,
                isa13,
                gs06,
                st02,
            )
            for f, st02, gs06, isa13 in rows
        ),
        count or 0,
    )


def _answer(row: Outbox) -> AnswerRow:
    return AnswerRow(row.kind, row.set_id, row.recipient, row.file_name, row.sent_at, _summary(row))


def _summary(row: Outbox) -> str:
    """A line saying what a stored message says: a 997's AK9, a TA1's code, an 814's ASI."""
    try:
        body = json.loads(row.body)
    except ValueError:
        return row.kind
    if isinstance(body, dict):
        return f"TA1 {body.get('code', '?')} note {body.get('note', '?')}"
    segments = {seg[0]: seg for seg in body if isinstance(seg, list) and seg}
    if "AK9" in segments:
        ak9 = segments["AK9"]
        group = segments.get("AK1", ["", "", "?"])
        return f"997 for group {group[2]}: AK9 {ak9[1]} ({'/'.join(ak9[2:5])} sets)"
    asi = segments.get("ASI")
    rejects = [seg[2] for seg in body if isinstance(seg, list) and seg[:2] == ["REF", "7G"]]
    said = f"ASI {'*'.join(asi[1:3])}" if asi else row.kind
    return said + (f", REF*7G {' '.join(rejects)}" if rejects else "")


def _acknowledgments(session: Session, file_id: int) -> tuple[AnswerRow, ...]:
    kinds = [f"ack:{file_id}", f"ta1:{file_id}", f"reject:{file_id}"]
    rows = session.scalars(
        select(Outbox)
        # written as the partial index ix_outbox_acks is, so that SQLite uses it
        .where(text("outbox.set_id IN ('997', 'TA1')"))
        .where(Outbox.kind.in_(kinds))
        .order_by(Outbox.id)
    )
    return tuple(_answer(r) for r in rows)


def file_transactions(
    session: Session, scope: Scope, file_id: int, *, page: int = 1, per_page: int = PER_PAGE
) -> Page[TransactionRow]:
    query = (
        select(Transaction, Interchange.control)
        .join(Interchange, Interchange.id == Transaction.interchange_id)
        .join(InboundFile, InboundFile.id == Interchange.file_id)
        .where(Interchange.file_id == file_id)
        .where(scope.interchanges())
        .order_by(Transaction.id)
    )
    rows, more = fetch(session, query, page, per_page)
    pairs = [(r[0], r[1]) for r in rows]
    return Page(transaction_rows(session, pairs), max(page, 1), per_page, more)


def transaction_rows(
    session: Session, pairs: list[tuple[Transaction, str]]
) -> tuple[TransactionRow, ...]:
    """Transactions (with their ISA13) with their decisions and answers, read in two queries."""
    ids = [t.id for t, _ in pairs]
    decisions = {
        d.transaction_id: d
        for d in session.scalars(select(Decision).where(Decision.transaction_id.in_(ids)))
    }
    answers: dict[int, list[AnswerRow]] = {}
    for row in session.scalars(
        select(Outbox).where(Outbox.transaction_id.in_(ids)).order_by(Outbox.id)
    ):
        answers.setdefault(row.transaction_id or 0, []).append(_answer(row))
    out = []
    for t, isa13 in pairs:
        d = decisions.get(t.id)
        out.append(
            TransactionRow(
                id=t.id,
                interchange=isa13,
                group=t.group_control,
                control=t.control,
                set_id=t.set_id,
                kind=t.kind,
                reference=t.reference,
                sender=t.sender,
                account=t.account_number,
                status=t.status,
                received_at=t.received_at,
                outcome=d.outcome if d else None,
                code=d.code if d else None,
                decision_id=d.id if d else None,
                answers=tuple(answers.get(t.id, ())),
            )
        )
    return tuple(out)


# -- one outbound file ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OutboundFileView:
    id: int
    name: str
    recipient: str
    recipient_name: str | None
    control: str
    groups: dict[str, str]  # GS01: GS06
    folder: str
    sent_at: datetime
    state: str
    ack_expected: bool
    ack_status: str | None
    acked_at: datetime | None
    resent_at: datetime | None
    messages: Page[AnswerRow]


def outbound_file(
    session: Session,
    scope: Scope,
    file_id: int,
    *,
    now: datetime,
    ack_due_hours: int = 24,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> OutboundFileView | None:
    file = session.scalar(
        select(OutboundFile).where(OutboundFile.id == file_id).where(scope.outbound_files())
    )
    if file is None:
        return None
    name = session.scalar(select(TradingPartner.name).where(TradingPartner.duns == file.recipient))
    rows, more = fetch(
        session,
        select(Outbox).where(Outbox.file_name == file.name).order_by(Outbox.id),
        page,
        per_page,
    )
    return OutboundFileView(
        id=file.id,
        name=file.name,
        recipient=file.recipient,
        recipient_name=name,
        control=f"{file.control:09d}",
        groups=json.loads(file.groups or "{}"),
        folder=file.folder,
        sent_at=file.sent_at,
        state=ack_state(file, now - timedelta(hours=ack_due_hours)),
        ack_expected=file.ack_expected,
        ack_status=file.ack_status,
        acked_at=file.acked_at,
        resent_at=file.resent_at,
        messages=Page(tuple(_answer(r[0]) for r in rows), max(page, 1), per_page, more),
    )


def outbound_file_id(session: Session, scope: Scope, name: str) -> int | None:
    return session.scalar(
        select(OutboundFile.id).where(OutboundFile.name == name).where(scope.outbound_files())
    )


def partners(session: Session, scope: Scope) -> tuple[tuple[str, str], ...]:
    """(DUNS, name) of the CESs the user may filter by: all of them, or its own."""
    query = select(TradingPartner.duns, TradingPartner.name).where(TradingPartner.role == "CES")
    if scope.is_supplier:
        query = query.where(TradingPartner.duns.in_(sorted(scope.ids)))
    return tuple((d, n) for d, n in session.execute(query.order_by(TradingPartner.name)))


# -- finding a file by what it held -------------------------------------------------------------


def files_holding(
    session: Session,
    scope: Scope,
    *,
    isa13: str | None = None,
    reference: str | None = None,
    account: str | None = None,
    now: datetime,
    ack_due_hours: int = 24,
    limit: int = PER_PAGE,
) -> tuple[FileRow, ...]:
    """The inbound and outbound files that carried an interchange (ISA13), a request (BGN02)
    or anything about an account, newest first, each read from an index."""
    due = now - timedelta(hours=ack_due_hours)
    inbound = select(InboundFile).where(scope.inbound_files())
    sent_names = None
    if isa13 is not None:
        control = isa13.strip().zfill(9)
        inbound = inbound.where(
            InboundFile.id.in_(select(Interchange.file_id).where(Interchange.control == control))
        )
        outbound = select(OutboundFile).where(
            OutboundFile.control == int(control) if control.isdigit() else OutboundFile.id < 0
        )
    else:
        held = select(Transaction.interchange_id)
        if reference is not None:
            held = held.where(Transaction.reference == reference)
            sent_names = select(Outbox.file_name).where(
                Outbox.transaction_id.in_(
                    select(Transaction.id).where(Transaction.reference == reference)
                )
            )
        if account is not None:
            held = held.where(Transaction.account_number == account)
            sent_names = select(Outbox.file_name).where(Outbox.account_number == account)
        inbound = inbound.where(
            InboundFile.id.in_(select(Interchange.file_id).where(Interchange.id.in_(held)))
        )
        outbound = select(OutboundFile).where(OutboundFile.name.in_(sent_names))  # type: ignore[arg-type]
    ins = session.scalars(inbound.order_by(InboundFile.id.desc()).limit(limit)).all()
    outs = session.scalars(
        outbound.where(scope.outbound_files()).order_by(OutboundFile.id.desc()).limit(limit)
    ).all()
    rows = [
        FileRow("in", f.id, f.name, f.partner, f.status, f.received_at, f.size, f.errors, None)
        for f in ins
    ] + [
        FileRow(
            "out", f.id, f.name, f.recipient, ack_state(f, due), f.sent_at, None, 0,
            f"{f.control:09d}",
        )
        for f in outs
    ]  # fmt: skip
    return tuple(sorted(rows, key=lambda r: r.at, reverse=True))
