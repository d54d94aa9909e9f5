"""What every accepted move does at the premises (domain §4 Moves, Final bills; §5): the old
account's final read, its service stopped (reverting to the landlord where the agreement says
so), the old account final, the new account's service started with its start read, the final
bill transferred to the new account (its CES receivable carried one more bill after a
finaled relationship), and what the customer is told. The supplier side is decided first
(`ebt.market.moves.MoveDecider`); this works on its plan, in the same database transaction.
"""

from __future__ import annotations

from ebt.market.moves import MovePlan
from ebt.market.ports import Premises
from ebt.market.premises import ServiceUnit
from ebt.market.reads import take_reads
from ebt.market.reference import Market
from ebt.market.rows import AccountRow, ProcessRow
from ebt.market.service_rows import AccountFinal, FinalBillRow, MoveRow
from ebt.market.tenancy import start_service, stop_service


def carry_out(unit: ServiceUnit, market: Market, plan: MovePlan) -> str:
    """The steps every accepted move takes at the premises: final read, service stopped
    (and perhaps reverted) and started, the old account final, final bill, confirmation;
    what the customer is told. The move's process is the decision's (`plan.process`)."""
    request, process = plan.request, plan.process
    assert plan.old is not None
    old = plan.old.account
    new = plan.new.account if plan.new else None
    unit.writes.processes.append(process)  # written with the decision; its notes change here
    take_reads(
        unit,
        premise_id=old.premise_id,
        account_id=old.id,
        on=request.move_out,
        kind="final",
        reading=request.final_read,
        process=process,
    )
    stop_service(unit, market.rulebook, account=old, end=request.move_out, process=process)
    unit.writes.finals.append(AccountFinal(old.id, request.move_out))
    if new is not None:
        _start_new(unit, plan, new)
    _final_bill(unit, market, plan, old, new)
    text = confirmation(unit.store, plan, old, new)
    unit.writes.moves.append(
        MoveRow(
            process=process,
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


def _start_new(unit: ServiceUnit, plan: MovePlan, new: AccountRow) -> None:
    request = plan.request
    start_service(
        unit,
        account=new,
        premise_id=new.premise_id,
        on=request.move_in,
        process=plan.process,
        existing_ok=True,
    )
    take_reads(
        unit,
        premise_id=new.premise_id,
        account_id=new.id,
        on=request.move_in,
        kind="start",
        reading=request.start_read,
        process=plan.process,
    )


def _final_bill(
    unit: ServiceUnit, market: Market, plan: MovePlan, old: AccountRow, new: AccountRow | None
) -> None:
    """The final bill at the old account, transferred to the new one; after a final bill
    with a CES (the relationship finaled), its receivable is carried for one more bill."""
    request, process = plan.request, plan.process
    finaled = plan.ces if plan.verdict.outcome == "final_move" else None
    carried = None
    if finaled is not None:
        reads = [r for r in plan.reads if r > request.move_out]
        wanted = market.parameters.receivable_carried_bills
        carried = reads[wanted - 1] if wanted and len(reads) >= wanted else None
        if carried is None and wanted:
            _work(unit, old, process, "no cycle read to carry the receivable to")
    if new is None:
        _work(
            unit, old, process, "transfer the final bill once the customer's new account is known"
        )
    bill = FinalBillRow(
        account_id=old.id,
        bill_date=request.move_out,
        transferred_to_account_id=new.id if new else None,
        ces_id=finaled.id if finaled else None,
        receivable_carried_until=carried,
        process=process,
    )
    unit.writes.final_bills.append(bill)


def _work(unit: ServiceUnit, account: AccountRow, process: ProcessRow, text: str) -> None:
    unit.work_item(
        "final_bill",
        account_id=account.id,
        process=process,
        text=f"account {account.number}: {text}",
    )


def confirmation(store: Premises, plan: MovePlan, old: AccountRow, new: AccountRow | None) -> str:
    """What the customer is told: the final read and bill, and who supplies them next."""
    request = plan.request
    where = _address(store, new.premise_id) if new else "your new address"
    lines = [
        f"Move from account {old.number} ({_address(store, old.premise_id)}): final meter "
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


def _address(store: Premises, premise_id: int) -> str:
    premise = store.premise(premise_id)
    return premise.address if premise is not None else "?"
