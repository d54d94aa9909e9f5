"""The daily jobs on service and receivables (domain §6 activation; §4 Final bills).

Every pending service period whose start date has come is turned active when its start read
exists (a read of a meter at the premise on the start date: the move-in or start read, or
the previous tenant's final read the service reverts on); what cannot be activated becomes an
open work item for a person (once), and that item closes itself, saying so, on the run that
finds the read and activates the period. Periods whose end has come are ended. Then the CES
receivables carried after a final bill whose one more bill has come are written off with the
write-off code. `ebt.services.activation.activate` runs it in one database transaction; a
scheduler job calls that once a day.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ebt.market.premises import ServiceUnit
from ebt.market.service_rows import FinalBillRow, ServicePeriodRow, WorkItemRow
from ebt.market.vocabulary import PeriodStatus, ServiceRole
from ebt.rules.parameters import Parameters

ACTIVATION = "activation"


@dataclass(slots=True)
class Activation:
    """What one run did, as rows (the work items get their ids when written)."""

    activated: list[ServicePeriodRow] = field(default_factory=list)
    ended: list[ServicePeriodRow] = field(default_factory=list)
    work_items: list[WorkItemRow] = field(default_factory=list)  # opened this run
    closed: list[WorkItemRow] = field(default_factory=list)  # closed by themselves this run
    written_off: list[FinalBillRow] = field(default_factory=list)


def activate(unit: ServiceUnit, parameters: Parameters) -> Activation:
    """Run the daily activation as of the unit's day (see the module's docstring)."""
    store, today = unit.store, unit.today
    done = Activation()
    for period in store.pending_service(today):
        if store.has_read(period.premise_id, period.start):
            period.status = str(PeriodStatus.ACTIVE)
            done.activated.append(period)
            done.closed.extend(_close_waiting(unit, period))
        else:
            item = _exception(unit, period)
            if item is not None:
                done.work_items.append(item)
    just = [p for p in done.activated if p.end is not None and p.end <= today]
    for period in sorted([*store.active_service_ending(today), *just], key=lambda p: p.id or 0):
        period.status = str(PeriodStatus.ENDED)
        done.ended.append(period)
    done.written_off = write_off_due(unit, parameters)
    return done


def _tag(period: ServicePeriodRow) -> str:
    """How an activation work item's description starts: it names the period, so that the
    item is opened once and found again when the period activates."""
    return f"service period {period.id}:"


def _close_waiting(unit: ServiceUnit, period: ServicePeriodRow) -> list[WorkItemRow]:
    """Close the open work items that waited for this period's start read, recorded."""
    waiting = unit.store.open_work_items(ACTIVATION, _tag(period))
    for item in waiting:
        item.status, item.resolved_at = "resolved", unit.now
        item.resolution = (
            f"closed by itself: the start read of {period.start} was recorded and service "
            f"period {period.id} activated on {unit.today}"
        )
    return waiting


def _exception(unit: ServiceUnit, period: ServicePeriodRow) -> WorkItemRow | None:
    """An open work item for a period that cannot be activated (none if one is open)."""
    store = unit.store
    tag = _tag(period)
    if store.open_work_items(ACTIVATION, tag):
        return None
    account = store.account(period.account_id)
    number = account.number if account else "?"
    premise = store.premise(period.premise_id)
    where = (
        f" --premise {premise.number}"
        if premise is not None and account is not None and account.premise_id != premise.id
        else ""
    )
    cancel = (
        f" or cancel the start (ebt tenant cancel {period.process_id})"
        if period.role == ServiceRole.TENANT and period.process_id is not None
        else ""
    )
    item = unit.work_item(
        ACTIVATION,
        account_id=period.account_id,
        process=None,
        text=(
            f"{tag} {period.role} account {number} cannot start on {period.start}: no start "
            f"read at the premise that day; record it (ebt tenant read {number}{where} "
            f"--on {period.start} --read VALUE){cancel}"
        ),
    )
    item.process_id = period.process_id
    return item


def write_off_due(unit: ServiceUnit, parameters: Parameters) -> list[FinalBillRow]:
    """Write off the CES receivables carried one more bill after a final bill, once that
    bill's date has come; the final bills written off."""
    done: list[FinalBillRow] = []
    for bill in unit.store.write_offs_due(unit.today):
        bill.written_off_on = bill.receivable_carried_until
        bill.write_off_code = parameters.write_off_code
        done.append(bill)
    return done
