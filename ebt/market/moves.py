"""A customer's move inside the territory (domain §4 Moves, Final bills; §5 relocation).

The customer calls the T&D with the move-out date (the final read at the old location: the
last day of service there is the day before), the move-in date (the first day at the new
location), the new T&D account if known, and whether they want Standard Offer. The `move`
table decides:

- `seamless_move`: the CES serving the old account keeps the customer at the new account
  from the move-in date, on the same terms; it gets a change notice (new account in REF*12,
  old one in REF*45);
- `final_move`: the CES relationship is finaled: a drop notice ends it on the move-out date,
  and the new account is on Standard Offer (a new enrollment is needed);
- `move`: no CES served the old account: nothing to tell a supplier;
- `reject`: the old or new account is unknown or not open, or the dates are a year apart.

Whatever was decided, the old account gets its final read and is final from the move-out
date (no supplier serves it after), its final bill is transferred to the new account, every
provider at the old location hears (the serving CES; a CES whose pending enrollment there is
cancelled gets a drop notice), the service at the old premise stops (and may revert to the
landlord), the new account's service starts, and the customer's confirmation is recorded.
After a final bill with a CES, its receivable is carried for one more bill and then written
off (`ebt.market.activation`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from sqlalchemy.orm import Session, sessionmaker

from ebt.mapping.records import Transaction814
from ebt.market import responses
from ebt.market.account import AccountAggregate
from ebt.market.decider import Decider, Market, Reference
from ebt.market.facts import Partner
from ebt.market.move_rules import MOVE_PREDICATES, MoveFacts
from ebt.market.notices import account_change_notice, notice_reference
from ebt.market.predicates import required_structure
from ebt.market.reads import Reading, record_reads
from ebt.market.requests import REQUESTS
from ebt.market.rows import PeriodRow, ProcessRow
from ebt.market.tenancy import start_service, stop_service
from ebt.rules.tables import Verdict, evaluate
from ebt.store.market_reader import SqlMarketReader
from ebt.store.schema import (
    Account,
    FinalBill,
    Move,
    PeriodStatus,
    Premise,
    Process,
    ProcessKind,
    ProcessState,
    WorkItem,
)
from ebt.store.unit_of_work import write_batch

SUPPLIER_CHANGES = frozenset({"enrollment", "switch"})


class MoveError(ValueError):
    """The call cannot be a move as given (said plainly)."""


@dataclass(frozen=True, slots=True)
class MoveRequest:
    """What the customer told the T&D."""

    old_account: str
    new_account: str | None
    move_out: date  # the final read at the old location
    move_in: date  # the first day at the new location
    called_on: date
    standard_offer: bool = False
    final_read: Reading = None
    start_read: Reading = None


@dataclass(frozen=True, slots=True)
class MoveResult:
    verdict: Verdict
    reference: str
    notices: tuple[Transaction814, ...] = ()
    confirmation: str | None = None


@dataclass(slots=True)
class _Plan:
    """What the decision left for the store-side steps."""

    request: MoveRequest
    verdict: Verdict
    reference: str
    process: ProcessRow
    old: AccountAggregate | None
    new: AccountAggregate | None
    ces: Partner | None
    notices: list[Transaction814]
    reads: list[date]  # the old account's scheduled cycle reads
    next_ces: Partner | None = None  # who supplies the new account on the move-in date


class MoveDecider(Decider):
    """Decides a move against the account aggregates and applies the supplier side:
    supplier periods, the decision and the notices to CESs (in the outbox)."""

    def decide(self, request: MoveRequest) -> _Plan:
        numbers = {request.old_account} | ({request.new_account} if request.new_account else set())
        self.load_accounts(sorted(numbers))
        old = self.accounts.get(request.old_account)
        new = self.accounts.get(request.new_account) if request.new_account else None
        last_day = request.move_out - timedelta(days=1)
        serving = old.supplier_on(last_day) if old else None
        ces = self.reference.by_id.get(serving) if serving is not None else None
        facts = self._move_facts(request, old, new, ces)
        table = self.market.rulebook.table_for("move", self.market.today)
        verdict = evaluate(table, facts, MOVE_PREDICATES)
        reference = notice_reference(
            "M", request.old_account, request.new_account, request.move_out, request.called_on
        )
        process = self._move_process(verdict, reference, old, ces, request)
        self.decision(verdict, None, process, reference)
        reads = self.reference.reads.get(old.account.bill_cycle, []) if old else []
        plan = _Plan(request, verdict, reference, process, old, new, ces, [], reads)
        if verdict.outcome != "reject":
            assert old is not None
            self._refuse_undoing(request, old)
            self._final_timeline(plan, old)
            if verdict.outcome == "seamless_move":
                self._seamless(plan)
            elif verdict.outcome == "final_move":
                self._finaled(plan)
            if new is not None:
                serving_new = new.supplier_on(request.move_in)
                plan.next_ces = self.reference.by_id.get(serving_new) if serving_new else None
        return plan

    def _move_facts(
        self,
        request: MoveRequest,
        old: AccountAggregate | None,
        new: AccountAggregate | None,
        ces: Partner | None,
    ) -> MoveFacts:
        market = self.market
        period = old.period_on(request.move_out - timedelta(days=1)) if old else None
        rate_code = period.ces_rate_code if period else None
        meters = self.meters.get(new.account.premise_id, ()) if new else ()
        needed = required_structure(rate_code) if rate_code else None
        other = new.supplier_on(request.move_in) if new else None
        return MoveFacts(
            old_found=old is not None,
            old_active=old is not None and old.account.status == "active",
            new_given=bool(request.new_account),
            new_found=new is not None,
            new_active=new is not None and new.account.status == "active",
            ces_id=ces.id if ces else None,
            standard_offer_chosen=request.standard_offer,
            same_rate_class=bool(old and new and old.account.rate_class == new.account.rate_class),
            business_days_notice=market.calendar.business_days_between(
                request.called_on, min(request.move_out, request.move_in)
            ),
            lead_business_days=market.parameters.lead_business_days,
            move_out=request.move_out,
            move_in=request.move_in,
            meters_support_rate_code=needed is None
            or all(needed in m.rate_structures for m in meters),
            other_ces_at_new=other is not None and other != (ces.id if ces else None),
            ces_leaving=bool(
                old and old.pending(ProcessKind.DROP, ProcessKind.RETURN_TO_STANDARD_OFFER)
            ),
        )

    def _move_process(
        self,
        verdict: Verdict,
        reference: str,
        old: AccountAggregate | None,
        ces: Partner | None,
        request: MoveRequest,
    ) -> ProcessRow:
        state = ProcessState.REJECTED if verdict.outcome == "reject" else ProcessState.PENDING
        if old is not None:
            return old.start_process(
                kind=ProcessKind.MOVE,
                ces_id=ces.id if ces else None,
                state=state,
                reference=reference,
                today=self.market.today,
                now=self.market.now,
                effective_on=None if state == ProcessState.REJECTED else request.move_out,
            )
        process = ProcessRow(
            kind=str(ProcessKind.MOVE),
            account_id=None,
            ces_id=None,
            state=str(state),
            reference=reference,
            requested_on=self.market.today,
            created_at=self.market.now,
        )
        self.writes.processes.append(process)
        return process

    def _final_timeline(self, plan: _Plan, old: AccountAggregate) -> None:
        """No supplier serves the old account from the move-out date: its periods end
        there and later ones are cancelled, with the processes that would have started
        them; a CES whose service there is cancelled is told with a drop notice."""
        on = plan.request.move_out
        for period in old.live_periods():
            if period.start >= on:
                period.status = str(PeriodStatus.CANCELLED)
                self._tell_cancelled(plan, period, old.number)
            elif period.end is None or period.end > on:
                period.end = on
        for process in old.pending():
            later = process.effective_on is None or process.effective_on >= on
            if process is not plan.process and later:
                process.state = str(ProcessState.CANCELLED)

    def _refuse_undoing(self, request: MoveRequest, old: AccountAggregate) -> None:
        """A move-out date before service on the old account began, service that has begun
        by today, is a wrong date: the move would cancel service already given."""
        for period in old.live_periods():
            if request.move_out < period.start <= self.market.today:
                partner = self.reference.by_id.get(period.supplier_id or 0)
                who = f"{partner.name} ({partner.duns})" if partner else "Standard Offer"
                raise MoveError(
                    f"the move-out date {request.move_out} is before the service of {who} on "
                    f"account {old.number} began ({period.start}): a move cannot undo "
                    "service already given; check the date"
                )

    def _tell_cancelled(self, plan: _Plan, period: PeriodRow, account: str) -> None:
        """A drop notice to a CES whose service on `account`, pending from `period.start`,
        the move cancels (one the move itself tells otherwise is left out); it names no
        other supplier. It belongs to the enrollment or switch cancelled, if one was."""
        ces_id = period.supplier_id
        if ces_id is None or (plan.ces is not None and ces_id == plan.ces.id):
            return
        process = period.process
        owner = plan.process
        if process is not None and process.kind in SUPPLIER_CHANGES:
            process.state = str(ProcessState.CANCELLED)
            owner = process
        other = self.reference.by_id[ces_id]
        notice = responses.standard_offer_notice(
            account, self.market.today, td=self.reference.td, ces=other, ends=period.start
        )
        tag = process.id if process is not None else period.id
        notice = replace(notice, reference=notice_reference("C", plan.reference, account, tag))
        self.send(notice, owner, None)
        plan.notices.append(notice)

    def _seamless(self, plan: _Plan) -> None:
        old, new, ces = plan.old, plan.new, plan.ces
        assert old is not None and new is not None and ces is not None
        request = plan.request
        terms = old.period_on(request.move_out - timedelta(days=1))
        for later in new.live_periods():  # another CES's pending start there gives way
            if later.start >= request.move_in and later.supplier_id not in (None, ces.id):
                self._tell_cancelled(plan, later, new.number)
        if new.supplier_on(request.move_in) != ces.id:
            new.change_supplier(
                supplier_id=ces.id,
                on=request.move_in,
                process=plan.process,
                billing_option=terms.billing_option if terms else None,
                bill_calculator=terms.bill_calculator if terms else None,
                ces_rate_code=terms.ces_rate_code if terms else None,
                ces_account=terms.ces_account if terms else None,
            )
        notice = account_change_notice(
            reference=notice_reference("A", plan.reference),
            today=self.market.today,
            new_account=new.number,
            old_account=old.number,
            td=self.reference.td,
            ces=ces,
            effective=request.move_in,
            ces_account=terms.ces_account if terms else None,
        )
        self.send(notice, plan.process, None)
        plan.notices.append(notice)

    def _finaled(self, plan: _Plan) -> None:
        ces = plan.ces
        assert ces is not None
        notice = responses.standard_offer_notice(
            plan.request.old_account,
            self.market.today,
            td=self.reference.td,
            ces=ces,
            ends=plan.request.move_out,
        )
        notice = replace(notice, reference=notice_reference("D", plan.reference))
        self.send(notice, plan.process, None)
        plan.notices.append(notice)


def move(
    sessions: sessionmaker[Session],
    market: Market,
    request: MoveRequest,
    reference: Reference | None = None,
) -> MoveResult:
    """Decide the customer's move, carry it out and commit, in one database transaction.
    A caller making many moves passes the partners and cycle reads (`Reference`) it read
    once."""
    if request.new_account == request.old_account:
        raise MoveError(f"the new account is the old one ({request.old_account})")
    with sessions() as session:
        decider = MoveDecider(SqlMarketReader(session), market, REQUESTS, reference=reference)
        plan = decider.decide(request)
        write_batch(session, decider.flush())
        confirmation = None
        if plan.verdict.outcome != "reject":
            confirmation = _carry_out(session, market, plan)
        session.commit()
    return MoveResult(plan.verdict, plan.reference, tuple(plan.notices), confirmation)


def _carry_out(session: Session, market: Market, plan: _Plan) -> str:
    """The store-side steps every accepted move takes: final read, the old account final,
    service stopped (and perhaps reverted) and started, final bill, confirmation. The
    decision's rows are written by now (`MoveDecider.flush`): these steps work on the
    store's own objects for them."""
    request = plan.request
    process = session.get(Process, plan.process.id)
    old = session.get(Account, plan.old.account.id) if plan.old else None
    new = session.get(Account, plan.new.account.id) if plan.new else None
    assert old is not None and process is not None
    record_reads(
        session,
        premise_id=old.premise_id,
        account_id=old.id,
        on=request.move_out,
        kind="final",
        reading=request.final_read,
        process_id=process.id,
        now=market.now,
    )
    stop_service(
        session,
        market.rulebook,
        account=old,
        end=request.move_out,
        process=process,
        today=market.today,
        now=market.now,
    )
    old.status = "final"
    old.closed_on = request.move_out
    if new is not None:
        _start_new(session, market, plan, new, process)
    bill = _final_bill(session, market, plan, old, new, process)
    text = confirmation(session, plan, old, new, bill)
    session.add(
        Move(
            process_id=process.id,
            old_account_id=old.id,
            new_account_id=new.id if new else None,
            called_on=request.called_on,
            move_out=request.move_out,
            move_in=request.move_in,
            standard_offer_chosen=request.standard_offer,
            seamless=plan.verdict.outcome == "seamless_move",
            ces_id=plan.ces.id if plan.ces else None,
            confirmation=text,
        )
    )
    return text


def _start_new(
    session: Session, market: Market, plan: _Plan, new: Account, process: Process
) -> None:
    request = plan.request
    start_service(
        session,
        account=new,
        premise_id=new.premise_id,
        on=request.move_in,
        process=process,
        now=market.now,
        existing_ok=True,
    )
    record_reads(
        session,
        premise_id=new.premise_id,
        account_id=new.id,
        on=request.move_in,
        kind="start",
        reading=request.start_read,
        process_id=process.id,
        now=market.now,
    )


def _final_bill(
    session: Session,
    market: Market,
    plan: _Plan,
    old: Account,
    new: Account | None,
    process: Process,
) -> FinalBill:
    """The final bill at the old account, transferred to the new one; after a final bill
    with a CES (the relationship finaled), its receivable is carried for one more bill."""
    request = plan.request
    finaled = plan.ces if plan.verdict.outcome == "final_move" else None
    carried = None
    if finaled is not None:
        reads = [r for r in plan.reads if r > request.move_out]
        wanted = market.parameters.receivable_carried_bills
        carried = reads[wanted - 1] if wanted and len(reads) >= wanted else None
        if carried is None and wanted:
            _work(session, market, old, process, "no cycle read to carry the receivable to")
    if new is None:
        _work(
            session,
            market,
            old,
            process,
            "transfer the final bill once the customer's new account is known",
        )
    bill = FinalBill(
        account_id=old.id,
        process_id=process.id,
        bill_date=request.move_out,
        transferred_to_account_id=new.id if new else None,
        ces_id=finaled.id if finaled else None,
        receivable_carried_until=carried,
    )
    session.add(bill)
    return bill


def _work(session: Session, market: Market, account: Account, process: Process, text: str) -> None:
    session.add(
        WorkItem(
            kind="final_bill",
            account_id=account.id,
            process_id=process.id,
            description=f"account {account.number}: {text}",
            status="open",
            created_at=market.now,
        )
    )


def confirmation(
    session: Session, plan: _Plan, old: Account, new: Account | None, bill: FinalBill
) -> str:
    """What the customer is told: the final read and bill, and who supplies them next."""
    request = plan.request
    where = _address(session, new.premise_id) if new else "your new address"
    lines = [
        f"Move from account {old.number} ({_address(session, old.premise_id)}): final meter "
        f"read on {request.move_out}; the final bill goes "
        + (f"to your new account {new.number}." if new else "to you."),
    ]
    ces, after = plan.ces, plan.next_ces
    outcome = plan.verdict.outcome
    if outcome == "seamless_move" and ces is not None and new is not None:
        lines.append(f"{ces.name} goes on supplying you at {where} from {request.move_in}.")
    elif outcome == "final_move" and ces is not None:
        lines.append(f"Your supply from {ces.name} ends on {request.move_out};")
    if outcome == "seamless_move":
        pass
    elif after is not None:  # a CES already serves the new account (not the one finaled)
        lines.append(f"{after.name} supplies you at {where} from {request.move_in}.")
    elif outcome == "final_move":
        lines.append(
            f"at {where} you are on Standard Offer service unless you enroll with a supplier again."
        )
    else:
        lines.append(f"At {where} you are on Standard Offer service from {request.move_in}.")
    return " ".join(lines)


def _address(session: Session, premise_id: int) -> str:
    premise = session.get(Premise, premise_id)
    if premise is None:
        return "?"
    unit = f" {premise.street2}" if premise.street2 else ""
    return f"{premise.street}{unit}, {premise.city}"
