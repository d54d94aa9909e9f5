"""The daily jobs on service and receivables (domain §6 activation; §4 Final bills).

`activate(session, today)`: every pending service period whose start date has come is
turned active when its start read exists (a read of a meter at the premise on the start
date: the move-in or start read, or the previous tenant's final read the service reverts
on); what cannot be activated becomes an open work item for a person (once). Periods whose
end has come are ended. Then the CES receivables carried after a final bill whose one more
bill has come are written off with the write-off code. The caller commits; a scheduler job
calls it once a day.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ebt.data.rules import default_parameter_book
from ebt.store.schema import (
    Account,
    FinalBill,
    MeterInstallation,
    MeterRead,
    PeriodStatus,
    Premise,
    ServicePeriod,
    ServiceRole,
    WorkItem,
)

ACTIVATION = "activation"


@dataclass(slots=True)
class ActivationReport:
    activated: list[int] = field(default_factory=list)  # service period ids
    ended: list[int] = field(default_factory=list)
    work_items: list[int] = field(default_factory=list)  # opened this run
    written_off: list[int] = field(default_factory=list)  # final bill ids


def activate(session: Session, today: date, now: datetime | None = None) -> ActivationReport:
    """Run the daily activation as of `today` (see the module's docstring)."""
    now = now or datetime.combine(today, time(0, 0))
    report = ActivationReport()
    for period in session.scalars(
        select(ServicePeriod)
        .where(ServicePeriod.status == str(PeriodStatus.PENDING))
        .where(ServicePeriod.start <= today)
        .order_by(ServicePeriod.start, ServicePeriod.id)
    ):
        if has_start_read(session, period):
            period.status = str(PeriodStatus.ACTIVE)
            report.activated.append(period.id)
        else:
            item = _exception(session, period, now)
            if item is not None:
                report.work_items.append(item.id)
    for period in session.scalars(
        select(ServicePeriod)
        .where(ServicePeriod.status == str(PeriodStatus.ACTIVE))
        .where(ServicePeriod.end.is_not(None))
        .where(ServicePeriod.end <= today)
    ):
        period.status = str(PeriodStatus.ENDED)
        report.ended.append(period.id)
    report.written_off = write_off_due(session, today)
    return report


def has_start_read(session: Session, period: ServicePeriod) -> bool:
    """A read of a meter installed at the premise, taken on the period's start date."""
    found = session.scalar(
        select(MeterRead.id)
        .join(MeterInstallation, MeterInstallation.meter_id == MeterRead.meter_id)
        .where(MeterInstallation.premise_id == period.premise_id)
        .where(MeterInstallation.installed_on <= period.start)
        .where(
            or_(
                MeterInstallation.removed_on.is_(None),
                MeterInstallation.removed_on > period.start,
            )
        )
        .where(MeterRead.read_on == period.start)
        .limit(1)
    )
    return found is not None


def _exception(session: Session, period: ServicePeriod, now: datetime) -> WorkItem | None:
    """An open work item for a period that cannot be activated (none if one is open)."""
    tag = f"service period {period.id}"
    open_one = session.scalar(
        select(WorkItem.id)
        .where(WorkItem.kind == ACTIVATION)
        .where(WorkItem.status == "open")
        .where(WorkItem.description.startswith(tag))
    )
    if open_one is not None:
        return None
    account = session.get(Account, period.account_id)
    number = account.number if account else "?"
    premise = session.get(Premise, period.premise_id)
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
    item = WorkItem(
        kind=ACTIVATION,
        account_id=period.account_id,
        process_id=period.process_id,
        description=(
            f"{tag}: {period.role} account {number} cannot start on {period.start}: no start "
            f"read at the premise that day; record it (ebt tenant read {number}{where} "
            f"--on {period.start} --read VALUE){cancel}"
        ),
        status="open",
        created_at=now,
    )
    session.add(item)
    session.flush()
    return item


def write_off_due(session: Session, today: date) -> list[int]:
    """Write off the CES receivables carried one more bill after a final bill, once that
    bill's date has come; the final bills written off."""
    parameters = default_parameter_book().parameters_for(today)
    done: list[int] = []
    for bill in session.scalars(
        select(FinalBill)
        .where(FinalBill.ces_id.is_not(None))
        .where(FinalBill.written_off_on.is_(None))
        .where(FinalBill.receivable_carried_until.is_not(None))
        .where(FinalBill.receivable_carried_until <= today)
        .order_by(FinalBill.id)
    ):
        bill.written_off_on = bill.receivable_carried_until
        bill.write_off_code = parameters.write_off_code
        done.append(bill.id)
    return done
