"""The tenant commands as decisions (`ebt tenant start|stop|cancel|read`): look the account
up, check the request, record the process, the service change and the reads in the unit of
work. The service (`ebt.services.tenants`) opens it and commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ebt.market.ports import Premises
from ebt.market.premises import ServiceUnit
from ebt.market.reads import Reading, parse_reading, take_reads
from ebt.market.rows import AccountRow, ProcessRow
from ebt.market.service_rows import MeterReadRow, ServicePeriodRow
from ebt.market.tenancy import ServiceError, Stopped, cancel, start_service, stop_service
from ebt.market.vocabulary import ProcessKind
from ebt.rules.tables import RuleBook


@dataclass(frozen=True, slots=True)
class Started:
    process: ProcessRow
    period: ServicePeriodRow
    replaced: tuple[str, ...]  # what cancelling an earlier pending start of the account did


def find_account(store: Premises, number: str) -> AccountRow:
    account = store.account_numbered(number)
    if account is None:
        raise ServiceError(f"no account {number!r} (ebt load adds accounts)")
    return account


def tenant_start(
    unit: ServiceUnit,
    *,
    account_number: str,
    on: date,
    premise_number: str | None = None,
    reading: Reading = None,
) -> Started:
    """The account takes the service at its premise (or the one given) from `on`; a
    pending start of the account is cancelled first (a changed start date)."""
    store = unit.store
    account = _active(store, account_number)
    premise_id = premise_for(store, premise_number, account)
    replaced: list[str] = []
    for pending in store.pending_processes(account.id, ProcessKind.TENANT_START):
        replaced += [f"earlier start #{pending.id}: {line}" for line in cancel(unit, pending)]
    process = unit.new_process(
        kind=ProcessKind.TENANT_START, account_id=account.id, reference=None, effective_on=on
    )
    period = start_service(unit, account=account, premise_id=premise_id, on=on, process=process)
    if reading is not None:
        take_reads(
            unit,
            premise_id=premise_id,
            account_id=account.id,
            on=on,
            kind="start",
            reading=reading,
            process=process,
        )
    return Started(process, period, tuple(replaced))


def tenant_stop(
    unit: ServiceUnit,
    rulebook: RuleBook,
    *,
    account_number: str,
    on: date,
    reading: Reading = None,
) -> tuple[ProcessRow, Stopped]:
    """The account's service at its premise stops on `on` (the final read), reverting to
    the landlord where the agreement says so. An account a CES serves moves out with
    `ebt move` instead, which finals the CES relationship."""
    store = unit.store
    account = _active(store, account_number)
    _refuse_served(store, account, on)
    _refuse_stopped(unit, account, on)
    process = unit.new_process(
        kind=ProcessKind.TENANT_STOP, account_id=account.id, reference=None, effective_on=on
    )
    stopped = stop_service(unit, rulebook, account=account, end=on, process=process)
    if reading is not None:
        take_reads(
            unit,
            premise_id=account.premise_id,
            account_id=account.id,
            on=on,
            kind="final",
            reading=reading,
            process=process,
        )
    return process, stopped


def tenant_read(
    unit: ServiceUnit,
    *,
    account_number: str,
    on: date,
    kind: str,
    values: tuple[str, ...],
    premise_number: str | None = None,
) -> list[MeterReadRow]:
    """A read of the meters at the account's premise (or the one given), as given on the
    command line (`parse_reading`): the start read the daily activation waits for, say."""
    account = find_account(unit.store, account_number)
    return take_reads(
        unit,
        premise_id=premise_for(unit.store, premise_number, account),
        account_id=account.id,
        on=on,
        kind=kind,
        reading=parse_reading(values),
        process=None,
    )


def cancel_process(unit: ServiceUnit, process_id: int) -> list[str]:
    """Cancel the pending tenant start or stop `process_id` (`tenancy.cancel`)."""
    process = unit.store.process(process_id)
    if process is None:
        raise ServiceError(f"no process #{process_id}")
    return cancel(unit, process)


def premise_for(store: Premises, number: str | None, account: AccountRow) -> int:
    """The premise numbered `number`, else the account's own."""
    if number is None:
        return account.premise_id
    premise = store.premise_numbered(number)
    if premise is None:
        raise ServiceError(f"no premise {number!r}")
    return premise.id


def _active(store: Premises, number: str) -> AccountRow:
    account = find_account(store, number)
    if account.status != "active":
        raise ServiceError(f"account {number} is {account.status}")
    return account


def _refuse_stopped(unit: ServiceUnit, account: AccountRow, on: date) -> None:
    """A stop on or after the day the service already stops would change nothing."""
    period = unit.premise(account.premise_id).of_account(account.id)
    if period is None or period.end is None or period.end > on:
        return
    how = (
        f" (process #{period.stop_process_id}); to change the date, cancel that stop "
        f"(ebt tenant cancel {period.stop_process_id}) and stop again"
        if period.stop_process_id
        else ""
    )
    raise ServiceError(f"account {account.number}'s service already stops on {period.end}{how}")


def _refuse_served(store: Premises, account: AccountRow, on: date) -> None:
    if store.served_by_ces(account.id, on):
        raise ServiceError(
            f"a CES serves account {account.number}: the customer moves out with "
            f"`ebt move {account.number} --move-out {on}`, which finals the CES relationship"
        )
