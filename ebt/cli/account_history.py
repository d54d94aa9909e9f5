"""What `ebt account show` adds about moves, final reads and bills, service at premises
(landlord reversions included) and meter reads: the account's history beyond its supplier
of record."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ebt.store.schema import (
    Account,
    Decision,
    FinalBill,
    Meter,
    MeterRead,
    Move,
    PeriodStatus,
    Premise,
    Process,
    ServicePeriod,
    ServiceRole,
    TradingPartner,
)


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def history_view(session: Session, account: Account, today: date) -> dict[str, Any]:
    numbers = _Numbers(session)
    return {
        "moves": _moves(session, account, numbers),
        "final_bills": _final_bills(session, account, numbers),
        "service_periods": _service(session, account, today, numbers),
        "reversions": _reversions(session, account, today, numbers),
        "meter_reads": _reads(session, account),
    }


class _Numbers:
    """Account numbers, premise numbers and CES DUNS by id, looked up once each."""

    def __init__(self, session: Session):
        self.session = session
        self.accounts: dict[int, str] = {}

    def account(self, account_id: int | None) -> str | None:
        if account_id is None:
            return None
        if account_id not in self.accounts:
            row = self.session.get(Account, account_id)
            self.accounts[account_id] = row.number if row else str(account_id)
        return self.accounts[account_id]

    def premise(self, premise_id: int) -> str:
        row = self.session.get(Premise, premise_id)
        return row.number if row else str(premise_id)

    def ces(self, partner_id: int | None) -> str | None:
        row = self.session.get(TradingPartner, partner_id) if partner_id else None
        return row.duns if row else None


def _moves(session: Session, account: Account, numbers: _Numbers) -> list[dict[str, Any]]:
    rows = session.execute(
        select(Move, Process, Decision)
        .join(Process, Process.id == Move.process_id)
        .outerjoin(Decision, Decision.process_id == Process.id)
        .where(or_(Move.old_account_id == account.id, Move.new_account_id == account.id))
        .order_by(Move.id)
    )
    return [
        {
            "reference": process.reference,
            "direction": "out" if move.old_account_id == account.id else "in",
            "old_account": numbers.account(move.old_account_id),
            "new_account": numbers.account(move.new_account_id),
            "called_on": _iso(move.called_on),
            "move_out": _iso(move.move_out),
            "move_in": _iso(move.move_in),
            "standard_offer_chosen": move.standard_offer_chosen,
            "outcome": decision.outcome if decision else None,
            "seamless": move.seamless,
            "ces": numbers.ces(move.ces_id),
            "confirmation": move.confirmation,
        }
        for move, process, decision in rows
    ]


def _final_bills(session: Session, account: Account, numbers: _Numbers) -> list[dict[str, Any]]:
    bills = session.scalars(
        select(FinalBill)
        .where(
            or_(
                FinalBill.account_id == account.id,
                FinalBill.transferred_to_account_id == account.id,
            )
        )
        .order_by(FinalBill.id)
    )
    return [
        {
            "account": numbers.account(bill.account_id),
            "bill_date": _iso(bill.bill_date),
            "transferred_to": numbers.account(bill.transferred_to_account_id),
            "ces": numbers.ces(bill.ces_id),
            "receivable_carried_until": _iso(bill.receivable_carried_until),
            "written_off_on": _iso(bill.written_off_on),
            "write_off_code": bill.write_off_code,
        }
        for bill in bills
    ]


def service_status(period: ServicePeriod, today: date) -> str:
    """Pending until activated; ended once the stop date has come."""
    if period.status == PeriodStatus.CANCELLED:
        return period.status
    if period.end is not None and period.end <= today and period.status == PeriodStatus.ACTIVE:
        return str(PeriodStatus.ENDED)
    return period.status


def _period(period: ServicePeriod, today: date, numbers: _Numbers) -> dict[str, Any]:
    return {
        "premise": numbers.premise(period.premise_id),
        "account": numbers.account(period.account_id),
        "service": period.service,
        "role": period.role,
        "start": _iso(period.start),
        "end": _iso(period.end),
        "status": service_status(period, today),
        "process": period.process_id,
        "stop_process": period.stop_process_id,
    }


def _service(
    session: Session, account: Account, today: date, numbers: _Numbers
) -> list[dict[str, Any]]:
    periods = session.scalars(
        select(ServicePeriod)
        .where(ServicePeriod.account_id == account.id)
        .order_by(ServicePeriod.start, ServicePeriod.id)
    )
    return [_period(p, today, numbers) for p in periods]


def _reversions(
    session: Session, account: Account, today: date, numbers: _Numbers
) -> list[dict[str, Any]]:
    """Service that reverted to a landlord at the account's premise (after a tenant), or to
    this account as a landlord elsewhere."""
    periods = session.scalars(
        select(ServicePeriod)
        .where(ServicePeriod.role == str(ServiceRole.LANDLORD))
        .where(ServicePeriod.process_id.is_not(None))
        .where(
            or_(
                ServicePeriod.premise_id == account.premise_id,
                ServicePeriod.account_id == account.id,
            )
        )
        .order_by(ServicePeriod.start, ServicePeriod.id)
    )
    return [_period(p, today, numbers) for p in periods]


def _reads(session: Session, account: Account) -> list[dict[str, Any]]:
    rows = session.execute(
        select(MeterRead, Meter.number)
        .join(Meter, Meter.id == MeterRead.meter_id)
        .where(MeterRead.account_id == account.id)
        .order_by(MeterRead.read_on, MeterRead.id)
    )
    return [
        {"meter": number, "read_on": _iso(r.read_on), "kind": r.kind, "value": str(r.value)}
        for r, number in rows
    ]


def history_text(view: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    if view.get("moves"):
        lines.append("  moves:")
        for m in view["moves"]:
            lines.append(
                f"    {m['direction']:<3} {m['old_account']} → {m['new_account'] or '?'}  "
                f"out {m['move_out']} in {m['move_in']}  {m['outcome']}  ref {m['reference']}"
            )
            lines.append(f"        confirmation: {m['confirmation']}")
    if view.get("final_bills"):
        lines.append("  final bills:")
        for b in view["final_bills"]:
            carried = (
                f"; CES {b['ces']} receivable carried to {b['receivable_carried_until']}"
                if b["ces"]
                else ""
            )
            off = (
                f", written off {b['written_off_on']} ({b['write_off_code']})"
                if b["written_off_on"]
                else ""
            )
            to = b["transferred_to"] or "not transferred"
            lines.append(f"    {b['account']} on {b['bill_date']} → {to}{carried}{off}")
    for key, title in (("service_periods", "service"), ("reversions", "landlord reversions")):
        if view.get(key):
            lines.append(f"  {title}:")
            for p in view[key]:
                lines.append(
                    f"    {p['premise']} {p['role']:<8} {p['account']}  {p['start']} → "
                    f"{p['end'] or '…'}  {p['status']}"
                )
    if view.get("meter_reads"):
        lines.append("  meter reads:")
        for r in view["meter_reads"]:
            lines.append(f"    {r['read_on']}  {r['meter']}  {r['kind']:<8} {r['value']}")
    return lines
