"""Tenants' service at premises (`ebt tenant start|stop|cancel|read`), each in one database
transaction."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session, sessionmaker

from ebt.market import tenants
from ebt.market.reads import Reading
from ebt.market.rows import ProcessRow
from ebt.market.service_rows import MeterReadRow
from ebt.market.tenancy import Stopped
from ebt.market.tenants import Started
from ebt.rules.tables import RuleBook
from ebt.store.unit_of_work import service_unit


def tenant_start(
    sessions: sessionmaker[Session],
    *,
    account_number: str,
    on: date,
    premise_number: str | None = None,
    reading: Reading = None,
    today: date,
    now: datetime,
) -> Started:
    """The account takes the service at its premise (or the one given) from `on`."""
    with service_unit(sessions, today=today, now=now) as unit:
        return tenants.tenant_start(
            unit,
            account_number=account_number,
            on=on,
            premise_number=premise_number,
            reading=reading,
        )


def tenant_stop(
    sessions: sessionmaker[Session],
    rulebook: RuleBook,
    *,
    account_number: str,
    on: date,
    reading: Reading = None,
    today: date,
    now: datetime,
) -> tuple[ProcessRow, Stopped]:
    """The account's service at its premise stops on `on`, reverting to the landlord where
    the agreement says so."""
    with service_unit(sessions, today=today, now=now) as unit:
        return tenants.tenant_stop(
            unit, rulebook, account_number=account_number, on=on, reading=reading
        )


def cancel(sessions: sessionmaker[Session], process_id: int, today: date) -> list[str]:
    """Cancel the pending tenant start or stop `process_id`; what was done, in words."""
    with service_unit(
        sessions, today=today, now=datetime.combine(today, datetime.min.time())
    ) as unit:
        return tenants.cancel_process(unit, process_id)


def tenant_read(
    sessions: sessionmaker[Session],
    *,
    account_number: str,
    on: date,
    kind: str,
    values: tuple[str, ...],
    premise_number: str | None = None,
    now: datetime,
) -> list[MeterReadRow]:
    """Record a read of the meters at the account's premise (or the one given)."""
    with service_unit(sessions, today=now.date(), now=now) as unit:
        return tenants.tenant_read(
            unit,
            account_number=account_number,
            on=on,
            kind=kind,
            values=values,
            premise_number=premise_number,
        )
