"""Accounts: found by account number, meter, customer name or address; one account's
supplier-of-record timeline (CES and Standard Offer periods, pending ones apart) with its
events (moves, final bills, landlord reversions, meter exchanges), its processes, and every
transaction with its decision.

For a supplier's user the account must be one it serves or asked about (`Scope.accounts`);
another CES's periods are shown as "another supplier", with neither its name nor its DUNS,
and only the supplier's own processes and transactions are listed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from ebt.queries.files import TransactionRow, transaction_rows
from ebt.queries.paging import PER_PAGE, Page, fetch
from ebt.queries.scope import Scope
from ebt.store.schema import (
    Account,
    FinalBill,
    Interchange,
    Meter,
    MeterInstallation,
    Move,
    PeriodStatus,
    Premise,
    Process,
    ProcessKind,
    ProcessState,
    ServicePeriod,
    ServiceRole,
    SupplierPeriod,
    TradingPartner,
    Transaction,
)

SEARCH_BY = ("account", "meter", "name", "address")
ANOTHER_SUPPLIER = "another supplier"


def period_status(period: SupplierPeriod, today: date) -> str:
    """A period's status as of `today` (stored statuses are brought up to date only when a
    request for the account is processed)."""
    if period.status == PeriodStatus.CANCELLED:
        return period.status
    if period.end is not None and period.end <= today:
        return str(PeriodStatus.ENDED)
    return str(PeriodStatus.ACTIVE if period.start <= today else PeriodStatus.PENDING)


def process_state(process: Process, today: date) -> str:
    """A process's state as of `today`: a pending one whose day has come is completed."""
    due = process.effective_on is not None and process.effective_on <= today
    if process.state == ProcessState.PENDING and due:
        return str(ProcessState.COMPLETED)
    return process.state


def containing(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, its own % and _ taken literally."""
    literal = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{literal}%"


@dataclass(frozen=True, slots=True)
class AccountRow:
    number: str
    customer_name: str
    status: str
    address: str


def address_of(premise: Premise) -> str:
    city = f"{premise.city} {premise.state} {premise.postal_code}"
    return ", ".join(filter(None, (premise.street, premise.street2, city)))


def search_query(by: str, text: str) -> Select[Account, Premise]:
    """Accounts matching `text` by account number (exact), meter (exact), customer name or
    service address (any part, % and _ literal), with their premises."""
    query = select(Account, Premise).join(Premise, Premise.id == Account.premise_id)
    if by == "meter":
        return (
            query.join(MeterInstallation, MeterInstallation.premise_id == Premise.id)
            .join(Meter, Meter.id == MeterInstallation.meter_id)
            .where(Meter.number == text)
        )
    if by == "name":
        return query.where(Account.customer_name.ilike(containing(text), escape="\\"))
    if by == "address":
        pattern = containing(text)
        return query.where(
            or_(
                Premise.street.ilike(pattern, escape="\\"),
                Premise.street2.ilike(pattern, escape="\\"),
                Premise.city.ilike(pattern, escape="\\"),
            )
        )
    return query.where(Account.number == text)


def find_accounts(
    session: Session,
    scope: Scope,
    by: str,
    text: str,
    *,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> Page[AccountRow]:
    query = search_query(by, text.strip()).where(scope.accounts()).order_by(Account.number)
    rows, more = fetch(session, query, page, per_page)
    found = tuple(AccountRow(a.number, a.customer_name, a.status, address_of(p)) for a, p in rows)
    return Page(found, max(page, 1), per_page, more)


# -- one account ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PeriodRow:
    supplier: str | None  # DUNS; None for Standard Offer or another supplier (hidden)
    supplier_name: str  # "Standard Offer", the CES's name, or "another supplier"
    start: date
    end: date | None
    status: str  # pending, active, ended, cancelled (as of today)
    billing_option: str | None
    process_id: int | None

    @property
    def standard_offer(self) -> bool:
        return self.supplier is None and self.supplier_name != ANOTHER_SUPPLIER


@dataclass(frozen=True, slots=True)
class Marker:
    """Something that happened to the account on a day, drawn on its timeline."""

    day: date
    kind: str  # move_out, move_in, final_bill, write_off, reversion, meter_exchange
    label: str


@dataclass(frozen=True, slots=True)
class ProcessRow:
    id: int
    kind: str
    state: str
    ces: str | None
    reference: str | None
    requested_on: date
    effective_on: date | None
    fee: Decimal | None


@dataclass(frozen=True, slots=True)
class MeterRow:
    number: str
    type: str
    smart: bool
    multiplier: Decimal
    installed_on: date
    removed_on: date | None


@dataclass(frozen=True, slots=True)
class AccountView:
    id: int
    number: str
    customer_name: str
    status: str
    bill_cycle: str
    rate_class: str | None
    address: str
    opened_on: date
    closed_on: date | None
    today: date
    periods: tuple[PeriodRow, ...]
    markers: tuple[Marker, ...]
    processes: tuple[ProcessRow, ...]
    meters: tuple[MeterRow, ...]
    transactions: Page[TransactionRow]


def account(
    session: Session,
    scope: Scope,
    number: str,
    today: date,
    *,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> AccountView | None:
    """Account `number`, or None when it does not exist or is not the user's to see."""
    row = session.scalar(select(Account).where(Account.number == number).where(scope.accounts()))
    if row is None:
        return None
    premise = session.get(Premise, row.premise_id)
    return AccountView(
        id=row.id,
        number=row.number,
        customer_name=row.customer_name,
        status=row.status,
        bill_cycle=row.bill_cycle,
        rate_class=row.rate_class,
        address=address_of(premise) if premise else "",
        opened_on=row.opened_on,
        closed_on=row.closed_on,
        today=today,
        periods=_periods(session, scope, row.id, today),
        markers=_markers(session, row),
        processes=_processes(session, scope, row.id, today),
        meters=_meters(session, row.premise_id),
        transactions=account_transactions(session, scope, row.number, page=page, per_page=per_page),
    )


def _partners(session: Session) -> dict[int, TradingPartner]:
    return {p.id: p for p in session.scalars(select(TradingPartner))}


def _periods(session: Session, scope: Scope, account_id: int, today: date) -> tuple[PeriodRow, ...]:
    partners = _partners(session)
    rows = session.scalars(
        select(SupplierPeriod)
        .where(SupplierPeriod.account_id == account_id)
        .order_by(SupplierPeriod.start, SupplierPeriod.id)
    )
    out = []
    for p in rows:
        partner = partners.get(p.supplier_id) if p.supplier_id else None
        duns, name = (partner.duns, partner.name) if partner else (None, "Standard Offer")
        if partner and scope.is_supplier and partner.duns not in scope.ids:
            duns, name = None, ANOTHER_SUPPLIER
        out.append(
            PeriodRow(
                duns,
                name,
                p.start,
                p.end,
                period_status(p, today),
                p.billing_option if duns or not partner else None,
                p.process_id if duns or not partner else None,
            )
        )
    return tuple(out)


def _markers(session: Session, account_row: Account) -> tuple[Marker, ...]:
    account_id = account_row.id
    markers: list[Marker] = []
    for move in session.scalars(
        select(Move).where(
            or_(Move.old_account_id == account_id, Move.new_account_id == account_id)
        )
    ):
        if move.old_account_id == account_id:
            kind = "seamless move out" if move.seamless else "move out"
            markers.append(Marker(move.move_out, "move_out", kind))
        if move.new_account_id == account_id:
            markers.append(Marker(move.move_in, "move_in", "move in"))
    for bill in session.scalars(select(FinalBill).where(FinalBill.account_id == account_id)):
        markers.append(Marker(bill.bill_date, "final_bill", "final bill"))
        if bill.written_off_on:
            code = bill.write_off_code or ""
            markers.append(Marker(bill.written_off_on, "write_off", f"written off {code}".strip()))
    for period in session.scalars(
        select(ServicePeriod)
        .where(ServicePeriod.role == str(ServiceRole.LANDLORD))
        .where(ServicePeriod.process_id.is_not(None))
        .where(ServicePeriod.premise_id == account_row.premise_id)
        .where(ServicePeriod.status != PeriodStatus.CANCELLED.value)
    ):
        markers.append(Marker(period.start, "reversion", "reverted to the landlord"))
    for process in session.scalars(
        select(Process)
        .where(Process.account_id == account_id)
        .where(Process.kind == ProcessKind.METER_EXCHANGE.value)
        .where(Process.effective_on.is_not(None))
    ):
        assert process.effective_on is not None
        markers.append(Marker(process.effective_on, "meter_exchange", "meter exchange"))
    return tuple(sorted(markers, key=lambda m: (m.day, m.kind)))


def _processes(
    session: Session, scope: Scope, account_id: int, today: date
) -> tuple[ProcessRow, ...]:
    partners = _partners(session)
    query = select(Process).where(Process.account_id == account_id).order_by(Process.id)
    rows = []
    for p in session.scalars(query):
        ces = partners[p.ces_id].duns if p.ces_id in partners else None
        if scope.is_supplier and p.ces_id is not None and ces not in scope.ids:
            continue  # another supplier's request
        rows.append(
            ProcessRow(
                p.id,
                p.kind,
                process_state(p, today),
                ces,
                p.reference,
                p.requested_on,
                p.effective_on,
                p.fee,
            )
        )
    return tuple(rows)


def _meters(session: Session, premise_id: int) -> tuple[MeterRow, ...]:
    rows = session.execute(
        select(Meter, MeterInstallation)
        .join(MeterInstallation, MeterInstallation.meter_id == Meter.id)
        .where(MeterInstallation.premise_id == premise_id)
        .order_by(MeterInstallation.installed_on, MeterInstallation.id)
    )
    return tuple(
        MeterRow(m.number, m.type, m.smart, m.multiplier_active, i.installed_on, i.removed_on)
        for m, i in rows
    )


def account_transactions(
    session: Session, scope: Scope, number: str, *, page: int = 1, per_page: int = PER_PAGE
) -> Page[TransactionRow]:
    query = (
        select(Transaction, Interchange.control)
        .join(Interchange, Interchange.id == Transaction.interchange_id)
        .where(Transaction.account_number == number)
        .where(scope.transactions())
        .order_by(Transaction.id.desc())
    )
    rows, more = fetch(session, query, page, per_page)
    return Page(
        transaction_rows(session, [(r[0], r[1]) for r in rows]), max(page, 1), per_page, more
    )
