"""A meter exchange (domain §7): the removed meter's final read and the new meter's first
read on the same day, so that billing spans both, and a change notice (reason: meter
change) to the CES of every account at the premise that one serves on that day.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from ebt.data.guides import default_guidebook
from ebt.data.mappings import guidebook_mapping
from ebt.mapping.mapper import to_segments
from ebt.mapping.records import Meter as MeterRecord
from ebt.mapping.records import Transaction814
from ebt.market.account import AccountAggregate
from ebt.market.decider import Market
from ebt.market.notices import meter_change_notice, notice_reference
from ebt.market.tenancy import PremiseService, new_process
from ebt.store.bulk import read_accounts, read_periods
from ebt.store.market_reader import read_reference
from ebt.store.schema import (
    Account,
    Meter,
    MeterInstallation,
    MeterRead,
    Outbox,
    Premise,
    ProcessKind,
)


class ExchangeError(ValueError):
    """The exchange cannot be recorded as given (said plainly)."""


@dataclass(frozen=True, slots=True)
class NewMeter:
    """The meter put in; what is not given (None) is as the removed meter's."""

    number: str
    type: str | None = None
    multiplier: Decimal | None = None
    smart: bool | None = None
    rate_structures: str | None = None


@dataclass(frozen=True, slots=True)
class Exchange:
    removed: str  # the meter taken out
    removed_read: Decimal
    new: NewMeter
    first_read: Decimal
    on: date


@dataclass(frozen=True, slots=True)
class ExchangeResult:
    premise: str
    accounts: tuple[str, ...]
    notices: tuple[Transaction814, ...]
    installed: NewMeter  # as recorded, nothing left to the removed meter's


def exchange_meter(
    sessions: sessionmaker[Session], market: Market, exchange: Exchange
) -> ExchangeResult:
    """Record the exchange and queue the CES notices, in one database transaction."""
    with sessions() as session:
        installed = _installation(session, exchange)
        removed = session.get(Meter, installed.meter_id)
        assert removed is not None
        exchange = replace(exchange, new=_like(exchange.new, removed))
        meter = _new_meter(session, exchange.new, removed)
        installed.removed_on = exchange.on
        session.add(
            MeterInstallation(
                meter_id=meter.id, premise_id=installed.premise_id, installed_on=exchange.on
            )
        )
        accounts = [
            account
            for account in session.scalars(
                select(Account)
                .where(Account.premise_id == installed.premise_id)
                .where(Account.status != "closed")
                .order_by(Account.number)
            )
            # an account final (moved out) by the day of the exchange has no part in it
            if account.status == "active" or (account.closed_on and account.closed_on > exchange.on)
        ]
        holder = _holder(session, installed.premise_id, exchange.on, accounts, market.today)
        for meter_id, kind, value in (
            (installed.meter_id, "exchange", exchange.removed_read),
            (meter.id, "first", exchange.first_read),
        ):
            session.add(
                MeterRead(
                    meter_id=meter_id,
                    account_id=holder,
                    read_on=exchange.on,
                    kind=kind,
                    value=value,
                )
            )
        notices = _notify(session, market, exchange, accounts)
        premise = installed.premise_id
        row = session.get(Premise, premise)
        result = ExchangeResult(
            row.number if row else str(premise),
            tuple(a.number for a in accounts),
            notices,
            exchange.new,
        )
        session.commit()
    return result


def _holder(
    session: Session, premise_id: int, on: date, accounts: list[Account], today: date
) -> int | None:
    """The account the reads belong to: the one taking the service at the premise that
    day, else the first of `accounts`."""
    period = PremiseService(session, premise_id, today=today).covering(on)
    ids = [a.id for a in accounts]
    if period is not None and period.account_id in ids:
        return period.account_id
    return ids[0] if ids else None


def _installation(session: Session, exchange: Exchange) -> MeterInstallation:
    if exchange.new.number == exchange.removed:
        raise ExchangeError(
            f"meter {exchange.removed} is both the meter removed and the one installed: "
            "give the number of the meter put in"
        )
    removed = session.scalar(select(Meter).where(Meter.number == exchange.removed))
    if removed is None:
        raise ExchangeError(f"no meter {exchange.removed!r}; ebt find --meter shows meters")
    installed = session.scalar(
        select(MeterInstallation)
        .where(MeterInstallation.meter_id == removed.id)
        .where(MeterInstallation.installed_on < exchange.on)
        .where(
            or_(MeterInstallation.removed_on.is_(None), MeterInstallation.removed_on > exchange.on)
        )
    )
    if installed is None:
        raise ExchangeError(
            f"meter {exchange.removed} is not installed anywhere on {exchange.on} "
            "(or was installed that very day)"
        )
    later = session.scalar(
        select(MeterInstallation.id)
        .where(MeterInstallation.meter_id == removed.id)
        .where(MeterInstallation.installed_on > exchange.on)
    )
    if installed.removed_on is not None or later is not None:
        raise ExchangeError(f"meter {exchange.removed} already has a removal after {exchange.on}")
    return installed


def _like(new: NewMeter, removed: Meter) -> NewMeter:
    """`new` with what was not given taken from the removed meter (a like-for-like exchange)."""
    return NewMeter(
        number=new.number,
        type=new.type if new.type is not None else removed.type,
        multiplier=new.multiplier if new.multiplier is not None else removed.multiplier_active,
        smart=new.smart if new.smart is not None else removed.smart,
        rate_structures=(
            new.rate_structures if new.rate_structures is not None else removed.rate_structures
        ),
    )


def _new_meter(session: Session, new: NewMeter, removed: Meter) -> Meter:
    """The meter put in (`new` complete by `_like`); the reactive and demand multipliers go
    with the removed meter's when the multiplier is the same (like for like)."""
    assert new.type is not None and new.multiplier is not None
    like = new.multiplier == removed.multiplier_active and new.type == removed.type
    meter = session.scalar(select(Meter).where(Meter.number == new.number))
    if meter is not None:
        busy = session.scalar(
            select(MeterInstallation.id)
            .where(MeterInstallation.meter_id == meter.id)
            .where(MeterInstallation.removed_on.is_(None))
        )
        if busy is not None:
            raise ExchangeError(f"meter {new.number} is installed elsewhere; remove it first")
        meter.multiplier_active = new.multiplier
        return meter
    meter = Meter(
        number=new.number,
        type=new.type,
        smart=bool(new.smart),
        multiplier_active=new.multiplier,
        multiplier_reactive=removed.multiplier_reactive if like else None,
        multiplier_demand=removed.multiplier_demand if like else None,
        rate_structures=new.rate_structures or "FLAT",
    )
    session.add(meter)
    session.flush()
    return meter


def _notify(
    session: Session, market: Market, exchange: Exchange, accounts: list[Account]
) -> tuple[Transaction814, ...]:
    reference = read_reference(session)
    mapping = guidebook_mapping(default_guidebook(), "814", market.today)
    new = exchange.new
    assert new.type is not None and new.multiplier is not None
    record = MeterRecord(new.number, new.type, new.multiplier)
    sent: list[Transaction814] = []
    for account in accounts:
        aggregate = AccountAggregate(read_accounts(session, [account.number])[0])
        aggregate.periods.extend(read_periods(session, [account.id], {}))
        serving = aggregate.supplier_on(exchange.on)
        bgn = notice_reference("X", account.number, new.number, exchange.on)
        process = new_process(
            session,
            kind=ProcessKind.METER_EXCHANGE,
            account_id=account.id,
            today=market.today,
            now=market.now,
            reference=bgn,
            effective_on=exchange.on,
        )
        process.ces_id = serving
        process.detail = json.dumps(
            {"removed": exchange.removed, "installed": new.number, "on": exchange.on.isoformat()}
        )
        ces = reference.by_id.get(serving) if serving is not None else None
        if ces is None:
            continue
        notice = meter_change_notice(
            reference=bgn,
            today=market.today,
            account=account.number,
            td=reference.td,
            ces=ces,
            effective=exchange.on,
            meter=record,
        )
        session.add(
            Outbox(
                recipient=ces.duns,
                set_id="814",
                kind=str(notice.kind),
                body=json.dumps(to_segments(notice, mapping)),
                process_id=process.id,
                account_number=account.number,
                created_at=market.now,
            )
        )
        sent.append(notice)
    return tuple(sent)
