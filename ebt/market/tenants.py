"""The tenant commands as library calls (`ebt tenant start|stop`; a scheduler or a test can
call them too): look the account up, check the request, record the process, the service
change and the reads. The caller commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ebt.market.reads import Reading, record_reads
from ebt.market.tenancy import (
    PremiseService,
    ServiceError,
    Stopped,
    cancel,
    new_process,
    start_service,
    stop_service,
)
from ebt.rules.tables import RuleBook
from ebt.store.schema import (
    Account,
    Premise,
    Process,
    ProcessKind,
    ProcessState,
    ServicePeriod,
    SupplierPeriod,
)


@dataclass(frozen=True, slots=True)
class Started:
    process: Process
    period: ServicePeriod
    replaced: tuple[str, ...]  # what cancelling an earlier pending start of the account did


def find_account(session: Session, number: str) -> Account:
    account = session.scalar(select(Account).where(Account.number == number))
    if account is None:
        raise ServiceError(f"no account {number!r} (ebt load adds accounts)")
    return account


def tenant_start(
    session: Session,
    *,
    account_number: str,
    on: date,
    premise_number: str | None = None,
    reading: Reading = None,
    today: date,
    now: datetime,
) -> Started:
    """The account takes the service at its premise (or the one given) from `on`; a
    pending start of the account is cancelled first (a changed start date)."""
    account = find_account(session, account_number)
    if account.status != "active":
        raise ServiceError(f"account {account_number} is {account.status}")
    premise_id = premise_for(session, premise_number, account)
    replaced: list[str] = []
    for pending in list(
        session.scalars(
            select(Process)
            .where(Process.account_id == account.id)
            .where(Process.kind == str(ProcessKind.TENANT_START))
            .where(Process.state == str(ProcessState.PENDING))
        )
    ):
        replaced += [
            f"earlier start #{pending.id}: {line}" for line in cancel(session, pending, today)
        ]
    process = new_process(
        session,
        kind=ProcessKind.TENANT_START,
        account_id=account.id,
        today=today,
        now=now,
        reference=None,
        effective_on=on,
    )
    period = start_service(
        session, account=account, premise_id=premise_id, on=on, process=process, now=now
    )
    if reading is not None:
        record_reads(
            session,
            premise_id=premise_id,
            account_id=account.id,
            on=on,
            kind="start",
            reading=reading,
            process_id=process.id,
            now=now,
        )
    return Started(process, period, tuple(replaced))


def tenant_stop(
    session: Session,
    rulebook: RuleBook,
    *,
    account_number: str,
    on: date,
    reading: Reading = None,
    today: date,
    now: datetime,
) -> tuple[Process, Stopped]:
    """The account's service at its premise stops on `on` (the final read), reverting to
    the landlord where the agreement says so. An account a CES serves moves out with
    `ebt move` instead, which finals the CES relationship."""
    account = find_account(session, account_number)
    if account.status != "active":
        raise ServiceError(f"account {account_number} is {account.status}")
    _refuse_served(session, account, on)
    _refuse_stopped(session, account, on, today)
    process = new_process(
        session,
        kind=ProcessKind.TENANT_STOP,
        account_id=account.id,
        today=today,
        now=now,
        reference=None,
        effective_on=on,
    )
    stopped = stop_service(
        session, rulebook, account=account, end=on, process=process, today=today, now=now
    )
    if reading is not None:
        record_reads(
            session,
            premise_id=account.premise_id,
            account_id=account.id,
            on=on,
            kind="final",
            reading=reading,
            process_id=process.id,
            now=now,
        )
    return process, stopped


def premise_for(session: Session, number: str | None, account: Account) -> int:
    """The premise numbered `number`, else the account's own."""
    if number is None:
        return account.premise_id
    premise = session.scalar(select(Premise).where(Premise.number == number))
    if premise is None:
        raise ServiceError(f"no premise {number!r}")
    return premise.id


def _refuse_stopped(session: Session, account: Account, on: date, today: date) -> None:
    """A stop on or after the day the service already stops would change nothing."""
    period = PremiseService(session, account.premise_id, today=today).of_account(account.id)
    if period is None or period.end is None or period.end > on:
        return
    how = (
        f" (process #{period.stop_process_id}); to change the date, cancel that stop "
        f"(ebt tenant cancel {period.stop_process_id}) and stop again"
        if period.stop_process_id
        else ""
    )
    raise ServiceError(f"account {account.number}'s service already stops on {period.end}{how}")


def _refuse_served(session: Session, account: Account, on: date) -> None:
    served = session.scalar(
        select(SupplierPeriod.id)
        .where(SupplierPeriod.account_id == account.id)
        .where(SupplierPeriod.supplier_id.is_not(None))
        .where(SupplierPeriod.status != "cancelled")
        .where((SupplierPeriod.end.is_(None)) | (SupplierPeriod.end > on))
    )
    if served is not None:
        raise ServiceError(
            f"a CES serves account {account.number}: the customer moves out with "
            f"`ebt move {account.number} --move-out {on}`, which finals the CES relationship"
        )
