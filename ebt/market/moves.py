"""A customer's move inside the territory (domain §4 Moves, Final bills; §5 relocation).

The customer calls the T&D with the move-out date (the final read at the old location: the
last day of service there is the day before), the move-in date (the first day at the new
location), the new T&D account if known, and whether they want Standard Offer. The `move`
table decides, and its outcome picks the handler (`MOVES`):

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
landlord), the new account's service starts, and the customer's confirmation is recorded
(`ebt.market.relocation.carry_out`). After a final bill with a CES, its receivable is carried
for one more bill and then written off (`ebt.market.activation`). `ebt.services.moves.move`
runs both in one database transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta

from ebt.mapping.records import Transaction814
from ebt.market import responses
from ebt.market.account import AccountAggregate
from ebt.market.decider import Decider
from ebt.market.facts import Partner
from ebt.market.move_rules import MOVE_PREDICATES, MoveFacts
from ebt.market.notices import account_change_notice, notice_reference
from ebt.market.outcomes import TableHandlers
from ebt.market.predicates import required_structure
from ebt.market.reads import Reading
from ebt.market.rows import PeriodRow, ProcessRow
from ebt.market.vocabulary import PeriodStatus, ProcessKind, ProcessState
from ebt.rules.tables import Verdict, evaluate

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
class MovePlan:
    """What the decision left for the steps at the premises (`carry_out`)."""

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

    def decide(self, request: MoveRequest) -> MovePlan:
        if request.new_account == request.old_account:
            raise MoveError(f"the new account is the old one ({request.old_account})")
        numbers = {request.old_account} | ({request.new_account} if request.new_account else set())
        self.load_accounts(sorted(numbers))
        old = self.accounts.get(request.old_account)
        new = self.accounts.get(request.new_account) if request.new_account else None
        last_day = request.move_out - timedelta(days=1)
        serving = old.supplier_on(last_day) if old else None
        ces = self.reference.by_id.get(serving) if serving is not None else None
        facts = self._move_facts(request, old, new, ces)
        table = self.market.rulebook.table_for(MOVES.table, self.market.today)
        verdict = evaluate(table, facts, MOVE_PREDICATES)
        reference = notice_reference(
            "M", request.old_account, request.new_account, request.move_out, request.called_on
        )
        process = self._move_process(verdict, reference, old, ces, request)
        self.decision(verdict, None, process, reference)
        reads = self.reference.reads.get(old.account.bill_cycle, []) if old else []
        plan = MovePlan(request, verdict, reference, process, old, new, ces, [], reads)
        MOVES.handlers[verdict.outcome](self, plan)
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

    def leave_old(self, plan: MovePlan) -> None:
        """Every accepted move: a wrong move-out date is refused, and no supplier serves
        the old account from the move-out date."""
        assert plan.old is not None
        self._refuse_undoing(plan.request, plan.old)
        self._final_timeline(plan, plan.old)

    def find_next(self, plan: MovePlan) -> None:
        """Who supplies the new account on the move-in date, for the confirmation."""
        new = plan.new
        if new is not None:
            serving_new = new.supplier_on(plan.request.move_in)
            plan.next_ces = self.reference.by_id.get(serving_new) if serving_new else None

    def _final_timeline(self, plan: MovePlan, old: AccountAggregate) -> None:
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

    def _tell_cancelled(self, plan: MovePlan, period: PeriodRow, account: str) -> None:
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

    def seamless(self, plan: MovePlan) -> None:
        """The CES goes on serving the customer at the new account, on the same terms."""
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

    def finaled(self, plan: MovePlan) -> None:
        """The CES relationship ends on the move-out date: a drop notice tells the CES."""
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


def _seamless_move(decider: MoveDecider, plan: MovePlan) -> None:
    decider.leave_old(plan)
    decider.seamless(plan)
    decider.find_next(plan)


def _final_move(decider: MoveDecider, plan: MovePlan) -> None:
    decider.leave_old(plan)
    decider.finaled(plan)
    decider.find_next(plan)


def _plain_move(decider: MoveDecider, plan: MovePlan) -> None:
    decider.leave_old(plan)
    decider.find_next(plan)


def _rejected(decider: MoveDecider, plan: MovePlan) -> None:
    """Nothing changes but the rejected process and its decision."""


MOVES: TableHandlers[Callable[[MoveDecider, MovePlan], None]] = TableHandlers(
    "move",
    {
        "seamless_move": _seamless_move,
        "final_move": _final_move,
        "move": _plain_move,
        "reject": _rejected,
    },
)
